"""No N+1: the statement count of a page does not grow with its size or nesting."""

from __future__ import annotations

from typing import Any

USERS_PAGE = """
query($first: Int!) {
  users(first: $first) {
    totalCount
    edges { node {
      displayName
      seat { status }
      ownedItems { total deals contacts }
      contacts(first: 5) { totalCount edges { node { name owner { displayName } } } }
    } }
  }
}
"""


async def _statements_for(api, statements, token, first):
    statements.reset()
    data = await api.data(USERS_PAGE, {"first": first}, token=token)
    return statements.count, data


async def test_listing_100_users_costs_the_same_statements_as_listing_5(api, factory, statements):
    acme = await factory.account()
    for _ in range(104):
        user = await factory.user(acme, with_token=False)
        await factory.contacts(acme, 7, owner=user, name_prefix=f"C{user.id}")
        await factory.deals(acme, 1, owner=user)

    small, small_data = await _statements_for(api, statements, acme.owner.token, 5)
    large, large_data = await _statements_for(api, statements, acme.owner.token, 100)

    assert len(small_data["users"]["edges"]) == 5
    assert len(large_data["users"]["edges"]) == 100
    assert small == large
    # auth + page + count + seats + owned counts + contacts page + contact totals (the
    # contacts' owners are users of the page: the list primed the user loader with them)
    assert large == 7
    node = large_data["users"]["edges"][1]["node"]
    assert node["ownedItems"] == {"total": 8, "deals": 1, "contacts": 7}
    assert node["contacts"]["totalCount"] == 7
    assert len(node["contacts"]["edges"]) == 5
    assert {e["node"]["owner"]["displayName"] for e in node["contacts"]["edges"]} == {
        node["displayName"]
    }


async def test_unrequested_totals_cost_no_count_statement(api, factory, statements):
    acme = await factory.account()
    statements.reset()
    await api.data("{ users(first: 5) { edges { node { id } } } }", token=acme.owner.token)
    assert not any("count(" in s.lower() for s in statements.statements)


async def test_root_fields_and_nested_loaders_share_one_request_safely(api, factory):
    """Two root fields and two nested loaders resolve concurrently over one request session."""
    acme = await factory.account()
    user = await factory.user(acme)
    await factory.contacts(acme, 3, owner=user)
    await factory.deals(acme, 2, owner=user)
    query = """
    {
      account { name owner { displayName seat { status } } seatSummary { billable } }
      users(first: 10) { edges { node { seat { status } ownedItems { total }
        deals(first: 2) { edges { node { title owner { id } } } } } } }
      contacts(first: 10) { totalCount edges { node { owner { id } } } }
      deals(first: 10) { edges { node { owner { id } } } }
      contactUsage { marketingContacts }
    }
    """
    data = await api.data(query, token=acme.owner.token)
    assert data["contacts"]["totalCount"] == 3
    assert data["account"]["seatSummary"]["billable"] == 2
    assert [e["node"]["ownedItems"]["total"] for e in data["users"]["edges"]] == [0, 5]


async def test_prefetched_levels_honour_variables_fragments_and_aliases(api, factory, statements):
    acme = await factory.account()
    for _ in range(3):
        user = await factory.user(acme, with_token=False)
        await factory.contacts(acme, 4, owner=user, name_prefix=f"C{user.id}")
    query = """
    query($n: Int!) {
      users(first: 10) { edges { node { ...Owned
        few: contacts(first: $n) { edges { node { owner { id } } } }
        all: contacts(first: 10) { totalCount edges { cursor } }
      } } }
    }
    fragment Owned on User { ownedItems { contacts } seat { status } }
    """
    statements.reset()
    data = await api.data(query, {"n": 2}, token=acme.owner.token)
    nodes = [edge["node"] for edge in data["users"]["edges"]][1:]
    assert [len(node["few"]["edges"]) for node in nodes] == [2, 2, 2]
    assert [node["all"]["totalCount"] for node in nodes] == [4, 4, 4]
    assert [len(node["all"]["edges"]) for node in nodes] == [4, 4, 4]
    assert [node["ownedItems"]["contacts"] for node in nodes] == [4, 4, 4]
    # auth, page, seats, owned counts, first-2 pages, first-10 pages, contact totals (owners
    # are users of the page, already loaded)
    assert statements.count == 7


async def test_invalid_nested_page_arguments_still_fail_where_they_are(api, factory):
    acme = await factory.account()
    body = await api.execute(
        "{ users { edges { node { contacts(first: 101) { totalCount } } } } }",
        token=acme.owner.token,
    )
    assert {error["extensions"]["code"] for error in body["errors"]} == {"INVALID_INPUT"}
    assert body["errors"][0]["path"] == ["users", "edges", 0, "node", "contacts"]


async def test_aliases_of_one_declared_field_share_one_batch(api, factory, statements):
    acme = await factory.account()
    for _ in range(3):
        user = await factory.user(acme, with_token=False)
        await factory.contacts(acme, 2, owner=user)
    once = "{ users(first: 10) { edges { node { seat { status } ownedItems { total } } } } }"
    twice = """
    { users(first: 10) { edges { node {
        s1: seat { status } s2: seat { id }
        o1: ownedItems { total } o2: ownedItems { contacts }
    } } } }
    """
    statements.reset()
    await api.data(once, token=acme.owner.token)
    single = statements.count
    statements.reset()
    data = await api.data(twice, token=acme.owner.token)
    assert statements.count == single  # auth, page, seats, owned counts
    assert [edge["node"]["o2"]["contacts"] for edge in data["users"]["edges"]] == [0, 2, 2, 2]


async def test_a_users_page_reads_one_row_more_only_when_page_info_is_asked(
    api, factory, statements
):
    acme = await factory.account()
    owners = [await factory.user(acme, with_token=False) for _ in range(2)]
    await factory.contacts(acme, 3, owner=owners[0])
    await factory.contacts(acme, 2, owner=owners[1])
    plain = "plain: contacts(first: 2) { edges { node { name } } }"
    paged = "paged: contacts(first: 2) { pageInfo { hasNextPage endCursor } edges { cursor } }"

    async def limits_of(*fields: str) -> tuple[list[int], dict[str, Any]]:
        statements.reset()
        query = "{ users(first: 10) { edges { node { " + " ".join(fields) + " } } } }"
        data = await api.data(query, token=acme.owner.token)
        limits = [  # of the per-owner pages
            params["limit"]
            for statement, params in zip(statements.statements, statements.parameters, strict=True)
            if "limit" in params and "owner" in statement
        ]
        return limits, data

    assert (await limits_of(plain))[0] == [2]
    assert (await limits_of(paged))[0] == [3]
    limits, data = await limits_of(plain, paged)
    assert limits == [3]  # both aliases: one statement, one row more for hasNextPage
    nodes = [edge["node"] for edge in data["users"]["edges"]][1:]
    assert [len(node["plain"]["edges"]) for node in nodes] == [2, 2]
    assert [node["paged"]["pageInfo"]["hasNextPage"] for node in nodes] == [True, False]
    assert [node["paged"]["pageInfo"]["endCursor"] for node in nodes] == [
        node["paged"]["edges"][-1]["cursor"] for node in nodes
    ]


async def test_aliases_with_different_pages_share_one_batch(api, factory, statements):
    """Two aliases of ``contacts`` with different ``first``: one batch call of the loader (one
    COUNT for both totals), not one per alias."""
    acme = await factory.account()
    for _ in range(3):
        user = await factory.user(acme, with_token=False)
        await factory.contacts(acme, 4, owner=user)
    query = """
    { users(first: 10) { edges { node {
        two: contacts(first: 2) { totalCount edges { cursor } }
        three: contacts(first: 3) { totalCount edges { cursor } }
    } } } }
    """
    statements.reset()
    data = await api.data(query, token=acme.owner.token)
    nodes = [edge["node"] for edge in data["users"]["edges"]][1:]
    assert [len(node["two"]["edges"]) for node in nodes] == [2, 2, 2]
    assert [len(node["three"]["edges"]) for node in nodes] == [3, 3, 3]
    assert [node["three"]["totalCount"] for node in nodes] == [4, 4, 4]
    counts = [statement for statement in statements.statements if "count(" in statement.lower()]
    # auth, page, first-2 pages, first-3 pages, the owners' totals (once for both aliases)
    assert len(counts) == 1, statements.statements
    assert statements.count == 5


def test_the_owned_counts_statement_answers_in_the_order_of_owned_counts():
    """The loader reads the counts by position (``OwnedCounts._make``)."""
    from resolvers.loaders import OwnedCounts
    from resolvers.read_statements import owned_counts

    for dialect in ("sqlite", "postgresql"):
        names = [column.name for column in owned_counts(dialect).selected_columns]
        assert names == ["owner_id", *OwnedCounts._fields]
