"""A user's contacts and deals pages read only the columns their selection shows
(``Contact.ROW_COLUMNS``, ``Deal.ROW_COLUMNS``, ``read_statements.first_per_owner``): what
each field shows is what the full lists, which read every column, show."""

from __future__ import annotations

import pytest

from db.enums import ContactSource, MarketingStatus
from schema import build_schema
from schema.contacts import Contact
from schema.deals import Deal

#: A selection for each field of the two types (objects need their own sub-selection).
_SELECTION = {"value": "value { amount currencyCode }", "owner": "owner { id displayName }"}


def _fields(type_name: str) -> list[str]:
    return list(build_schema()._schema.get_type(type_name).fields)  # type: ignore[union-attr]


@pytest.mark.parametrize(("node_type", "columns"), [(Contact, "Contact"), (Deal, "Deal")])
def test_every_field_says_which_columns_it_reads(node_type, columns):
    """A field missing from ``ROW_COLUMNS`` would make every page of the type read every
    column again (correct, but the saving silently gone)."""
    assert set(_fields(columns)) == set(node_type.ROW_COLUMNS)


@pytest.mark.parametrize(("items", "type_name"), [("contacts", "Contact"), ("deals", "Deal")])
async def test_each_field_alone_shows_what_the_full_list_shows(api, factory, items, type_name):
    acme = await factory.account()
    user = await factory.user(acme)
    await factory.contacts(
        acme, 3, owner=user, status=MarketingStatus.MARKETING, source=ContactSource.FORM
    )
    await factory.deals(acme, 3, owner=user)
    for field in _fields(type_name):
        selected = _SELECTION.get(field, field)
        nested = await api.data(
            f"{{ users(first: 10) {{ edges {{ node {{ {items}(first: 5) "
            f"{{ edges {{ node {{ id {selected} }} }} }} }} }} }} }}",
            token=acme.owner.token,
        )
        full = await api.data(
            f"{{ {items}(first: 10) {{ edges {{ node {{ id {selected} }} }} }} }}",
            token=acme.owner.token,
        )
        shown = [
            edge["node"]
            for user_edge in nested["users"]["edges"]
            for edge in user_edge["node"][items]["edges"]
        ]
        assert len(shown) == 3
        assert sorted(shown, key=lambda n: n["id"]) == sorted(
            (edge["node"] for edge in full[items]["edges"]), key=lambda n: n["id"]
        ), field


async def test_a_nested_page_leaves_out_the_columns_nobody_selected(api, factory, statements):
    acme = await factory.account()
    user = await factory.user(acme)
    await factory.contacts(acme, 2, owner=user)
    query = (
        "{ users(first: 5) { edges { node { contacts(first: 5) { edges { node { %s } } } } } } }"
    )

    statements.reset()
    data = await api.data(query % "name", token=acme.owner.token)
    assert [
        e["node"]["name"] for u in data["users"]["edges"] for e in u["node"]["contacts"]["edges"]
    ]
    page = next(s for s in statements.statements if "owner.id" in s)
    shown = page.split("FROM")[0]  # what the statement sends back
    assert "CAST(NULL AS" in shown
    for column in ("id", "owner_id", "name"):
        assert f".{column}," in shown or f".{column} " in shown, column
    for column in ("email", "marketing_status", "source", "created_at"):
        assert f") AS {column}" in shown, column

    # Two aliases of one page share its statement, which reads what either shows.
    statements.reset()
    data = await api.data(
        "{ users(first: 5) { edges { node { "
        "a: contacts(first: 5) { edges { node { name } } } "
        "b: contacts(first: 5) { edges { node { createdAt } } } } } } }",
        token=acme.owner.token,
    )
    node = data["users"]["edges"][1]["node"]
    assert [e["node"]["name"] for e in node["a"]["edges"]] != []
    assert all(e["node"]["createdAt"] for e in node["b"]["edges"])
