"""Abuse limits: depth, aliases, tokens and estimated cost, refused before execution."""

from __future__ import annotations

from graphql import parse

from schema import build_schema
from schema.limits import measure

USERS_PAGE = """
{ users(first: 100) { edges { node { seat { status } ownedItems { total }
  contacts(first: 5) { edges { node { owner { displayName } } } } } } } }
"""


def _measure(document: str, variables=None, paginated=frozenset()):
    operation = parse(document).definitions[0]
    return measure(operation, {}, variables or {}, 50, paginated)  # type: ignore[arg-type]


def test_connections_multiply_the_cost_of_their_selection():
    # users: 1 + 100 x (edges 1 + node 1 + seat 2 + ownedItems 2 + contacts (1 + 5 x 4)) = ...
    measured = _measure(USERS_PAGE)
    per_contact = 4  # edges, node, owner, displayName
    per_user = 1 + 1 + 2 + 2 + (1 + 5 * per_contact)
    assert measured.cost == 1 + 100 * per_user
    assert measured.depth == 8


def test_first_from_variables_and_defaults_count():
    assert _measure("query($n: Int) { users(first: $n) { totalCount } }", {"n": 10}).cost == 11
    assert _measure("{ users { totalCount } }", paginated=frozenset({"users"})).cost == 1 + 50 * 1


async def test_every_response_reports_cost_and_limit(api, factory):
    acme = await factory.account()
    body = await api.execute(USERS_PAGE, token=acme.owner.token)
    assert body["extensions"]["cost"] == {"requested": _measure(USERS_PAGE).cost, "limit": 50_000}
    unauthenticated = await api.execute(USERS_PAGE)
    anonymous_limit = unauthenticated["extensions"]["cost"]["limit"]
    assert anonymous_limit == build_schema().query_limits.for_anonymous().max_cost
    assert 25_000 <= anonymous_limit < 50_000  # the anonymous budget


async def test_too_costly_query_is_refused_before_execution(api, factory, statements):
    acme = await factory.account()
    document = """{ users(first: 100) { edges { node {
      contacts(first: 100) { edges { node { owner { contacts(first: 100) { totalCount } } } } }
    } } } }"""
    statements.reset()
    body = await api.execute(document, token=acme.owner.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_LIMIT_EXCEEDED"]
    assert body["data"] is None
    assert statements.count == 1  # only the token check ran
    assert body["extensions"]["cost"]["requested"] > 50_000


async def test_too_deep_query_is_refused(api, factory):
    acme = await factory.account()
    document = "{ viewer { " + "seat { user { " * 6 + "id" + " } }" * 6 + " } }"
    body = await api.execute(document, token=acme.owner.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_LIMIT_EXCEEDED"]


async def test_too_many_aliases_are_refused(api, factory):
    acme = await factory.account()
    document = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(31)) + " }"
    body = await api.execute(document, token=acme.owner.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_LIMIT_EXCEEDED"]


async def test_too_many_tokens_are_refused_at_parse_time(api, factory):
    acme = await factory.account()
    document = "{ viewer { " + " ".join(["id"] * 6000) + " } }"
    body = await api.execute(document, token=acme.owner.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_LIMIT_EXCEEDED"]


def test_a_variables_default_counts_like_a_literal():
    with_default = _measure("query($n: Int = 100) { users(first: $n) { edges { node { id } } } }")
    literal = _measure("{ users(first: 100) { edges { node { id } } } }")
    assert with_default.cost == literal.cost == 1 + 100 * 3
    given = _measure("query($n: Int = 100) { users(first: $n) { totalCount } }", {"n": 2})
    assert given.cost == 3
