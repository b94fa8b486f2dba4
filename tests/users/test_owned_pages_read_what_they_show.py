"""A user's contacts and deals pages leave out the costly columns their selection does not
show (``read_statements.LEFT_OUT_UNLESS_READ``, chosen from ``Contact.ROW_COLUMNS`` and
``Deal.ROW_COLUMNS``): what each field shows is what the full lists, which read every column,
show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from db import models
from db.enums import ContactSource, MarketingStatus
from resolvers.read_statements import LEFT_OUT_UNLESS_READ
from schema import build_schema
from schema.contacts import Contact
from schema.deals import Deal

#: A selection for each field of the two types (objects need their own sub-selection).
_SELECTION = {"value": "value { amount currencyCode }", "owner": "owner { id displayName }"}


def _fields(type_name: str) -> list[str]:
    return list(build_schema()._schema.get_type(type_name).fields)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("node_type", "type_name", "model"),
    [(Contact, "Contact", models.Contact), (Deal, "Deal", models.Deal)],
)
def test_every_field_says_which_real_columns_it_reads(node_type, type_name, model):
    """A field missing from ``ROW_COLUMNS`` would make every page of the type read every
    column again (correct, but the saving silently gone); a misspelt column would never be
    read."""
    assert set(_fields(type_name)) == set(node_type.ROW_COLUMNS)
    columns = {column.name for column in model.__table__.columns}
    assert {name for names in node_type.ROW_COLUMNS.values() for name in names} <= columns


def test_the_columns_that_may_be_left_out_exist():
    """A misspelt name in ``LEFT_OUT_UNLESS_READ`` would leave nothing out, silently."""
    contacts = {column.name for column in models.Contact.__table__.columns}
    deals = {column.name for column in models.Deal.__table__.columns}
    assert contacts >= LEFT_OUT_UNLESS_READ
    assert LEFT_OUT_UNLESS_READ - {"billed_as_marketing_until"} <= deals


@pytest.mark.parametrize(("items", "type_name"), [("contacts", "Contact"), ("deals", "Deal")])
async def test_each_field_alone_shows_what_the_full_list_shows(
    api, factory, sessionmaker, clock, items, type_name
):
    acme = await factory.account()
    user = await factory.user(acme)
    await factory.contacts(
        acme, 3, owner=user, status=MarketingStatus.MARKETING, source=ContactSource.FORM
    )
    await factory.deals(acme, 3, owner=user)
    async with sessionmaker() as session, session.begin():  # values no default would give
        first = await session.scalar(
            models.Contact.__table__.select()
            .with_only_columns(models.Contact.id)
            .where(models.Contact.account_id == acme.id)
            .order_by(models.Contact.id)
        )
        await session.execute(
            update(models.Contact)
            .where(models.Contact.id == first)
            .values(email=None, billed_as_marketing_until=clock.now() + timedelta(days=9))
        )
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
        nulls = {"email": 1, "billedAsMarketingUntil": 2}  # the first contact: no email, billed
        if field in nulls:
            assert sum(node[field] is None for node in shown) == nulls[field], (field, shown)


def _page_statements(statements) -> list[str]:
    return [s for s in statements.statements if "owner.id" in s]


def _left_out(statement: str) -> set[str]:
    shown = statement.split("FROM")[0]  # what the statement sends back
    return {column for column in LEFT_OUT_UNLESS_READ if f") AS {column}" in shown}


async def test_a_nested_page_leaves_out_the_columns_nobody_selected(api, factory, statements):
    acme = await factory.account()
    user = await factory.user(acme)
    await factory.contacts(acme, 2, owner=user)
    query = (
        "{ users(first: 5) { edges { node { contacts(first: 5) { edges { node { %s } } } } } } }"
    )

    statements.reset()
    data = await api.data(query % "name email", token=acme.owner.token)
    names = [
        e["node"]["name"] for u in data["users"]["edges"] for e in u["node"]["contacts"]["edges"]
    ]
    assert len(names) == 2
    [page] = _page_statements(statements)
    assert _left_out(page) == set(LEFT_OUT_UNLESS_READ)
    assert "email" in page.split("FROM")[0]
    assert ") AS email" not in page

    # Two aliases of one page share its statement, which reads what either shows.
    statements.reset()
    data = await api.data(
        "{ users(first: 5) { edges { node { "
        "a: contacts(first: 5) { edges { node { name } } } "
        "b: contacts(first: 5) { edges { node { createdAt } } } } } } }",
        token=acme.owner.token,
    )
    [page] = _page_statements(statements)
    assert _left_out(page) == set(LEFT_OUT_UNLESS_READ) - {"created_at"}
    node = data["users"]["edges"][1]["node"]
    assert len(node["a"]["edges"]) == 2
    assert all(e["node"]["createdAt"] for e in node["b"]["edges"])
