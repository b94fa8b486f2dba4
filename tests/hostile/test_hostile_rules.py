"""The rules behind the hostile suite: canonical ids, safe downloads, search, introspection
budgets, what a foreign user shows, and the retry of a write that lost a deadlock."""

from __future__ import annotations

import json

import httpx
import pytest
import strawberry
from graphql import get_introspection_query
from sqlalchemy.exc import OperationalError

from resolvers.context import MAX_WRITE_ATTEMPTS, RequestDatabase, with_write_retry
from resolvers.ids import decode_cursor, decode_global_id, encode_cursor, encode_global_id
from resolvers.text_inputs import MAX_SEARCH_LENGTH
from schema import build_schema
from server import create_app
from tests.api import GraphQLClient
from tests.hostile.helpers import aliased_introspection, build_world, digits_from, raw_id, snapshot

# --- ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize("pk", [1, 9, 10, 42, 10**17, 10**18 - 1])
def test_canonical_ids_and_cursors_round_trip(pk):
    assert decode_global_id(encode_global_id("User", pk)) == ("User", pk)
    assert decode_cursor(encode_cursor(pk)) == pk


@pytest.mark.parametrize(
    "text",
    [
        "User:٣",
        "User:²",
        "User:\uff13",
        "User:03",
        "User:+3",
        "User:-3",
        "User: 3",
        "User:3 ",
        "User:0",
        "User:3\n",
        "User:1e3",
        "User:" + "1" * 19,
        "User:3:4",
        ":3",
        "User:",
    ],
)
def test_every_other_spelling_names_nothing(text):
    assert decode_global_id(raw_id(text)) is None


def test_an_id_has_one_base64_spelling():
    canonical = encode_global_id("User", 3)
    assert decode_global_id(canonical) == ("User", 3)
    for other in (canonical + "=", canonical + "==", " " + canonical, canonical + "\n"):
        assert decode_global_id(other) is None


@pytest.mark.parametrize(
    "portfolio_id",
    [
        raw_id("Portfolio:²"),
        raw_id("Portfolio:\u0661"),
        raw_id("Portfolio:01"),
        "%00",
        "UG9ydGZvbGlvOsKy",
        "A" * 5000,
        raw_id("Portfolio:" + "9" * 30),
    ],
)
async def test_export_downloads_with_bad_ids_are_404_json(api, factory, sessionmaker, portfolio_id):
    world = await build_world(factory)
    before = await snapshot(sessionmaker)
    response = await api.http.get(
        f"/exports/portfolios/{portfolio_id}/billing.csv",
        headers={"Authorization": f"Bearer {world.acme.owner.token}"},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert await snapshot(sessionmaker) == before


async def test_arabic_indic_digits_do_not_reach_user_3(api, factory, sessionmaker):
    world = await build_world(factory)
    arabic = str(world.regular.id).translate(str.maketrans("0123456789", digits_from(0x0660)))
    body = await api.data(
        "mutation($id: ID!) { deactivateUser(input: {userId: $id}) { userErrors { code } } }",
        {"id": raw_id(f"User:{arabic}")},
        token=world.acme.owner.token,
    )
    assert body["deactivateUser"]["userErrors"] == [{"code": "NOT_FOUND"}]
    status = await api.data(
        "query($id: ID!) { node(id: $id) { ... on User { status } } }",
        {"id": world.regular.gid},
        token=world.acme.owner.token,
    )
    assert status["node"]["status"] == "ACTIVE"


# --- malformed requests over GET ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{ viewer { id } }", "variables": "{not json"},
        {"query": "{ viewer { id } }", "variables": "[" * 5000 + "]" * 5000},
        {"query": "{ viewer { id } }", "variables": "[1]"},
        {"variables": "{}"},
    ],
)
async def test_malformed_get_requests_are_400_json(api, params):
    response = await api.http.get("/graphql", params=params, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# --- search -----------------------------------------------------------------------------------

SEARCH = "query($s: String) { contacts(filter: {search: $s}) { totalCount } }"


async def test_search_terms_up_to_the_limit_work_and_wildcards_are_literal(api, factory):
    world = await build_world(factory)
    token = world.acme.owner.token
    longest = await api.data(SEARCH, {"s": "x" * MAX_SEARCH_LENGTH}, token=token)
    assert longest["contacts"]["totalCount"] == 0
    for wildcard in ("%", "_", "%%", "\\", "[a-z]", "*"):
        found = await api.data(SEARCH, {"s": wildcard}, token=token)
        assert found["contacts"]["totalCount"] == 0, wildcard
    plain = await api.data(SEARCH, {"s": "contact 1"}, token=token)
    assert plain["contacts"]["totalCount"] == 1
    over = await api.execute(SEARCH, {"s": "x" * (MAX_SEARCH_LENGTH + 1)}, token=token)
    assert [e["extensions"]["code"] for e in over["errors"]] == ["INVALID_INPUT"]
    assert over["errors"][0]["extensions"]["field"] == ["filter", "search"]


# --- introspection budget ---------------------------------------------------------------------

INTROSPECTION_VARIANTS = [
    {},
    {"descriptions": False},
    {
        "descriptions": True,
        "specified_by_url": True,
        "directive_is_repeatable": True,
        "schema_description": True,
        "input_value_deprecation": True,
    },
]


@pytest.mark.parametrize("variant", INTROSPECTION_VARIANTS)
@pytest.mark.parametrize("signed_in", [False, True])
async def test_graphiqls_introspection_query_still_passes(api, factory, variant, signed_in):
    acme = await factory.account()
    token = acme.owner.token if signed_in else None
    body = await api.execute(get_introspection_query(**variant), token=token)
    assert not body.get("errors"), body.get("errors")
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    cost = body["extensions"]["cost"]
    assert 0 < cost["requested"] <= cost["limit"]


async def test_unauthenticated_requests_get_the_tighter_budget(api, factory):
    acme = await factory.account()
    aliases = "{ " + " ".join(f"t{i}: __typename" for i in range(6)) + " }"
    assert await api.error_codes(aliases) == ["QUERY_LIMIT_EXCEEDED"]
    assert await api.error_codes(aliases, token=acme.owner.token) == []
    anonymous = await api.execute("{ __typename }")
    anonymous_limit = build_schema().query_limits.for_anonymous().max_cost
    assert anonymous["extensions"]["cost"] == {"requested": 1, "limit": anonymous_limit}


def _many_types(count: int) -> list[type]:
    """``count`` distinct object types, each with a few fields (a schema that grew)."""
    made: list[type] = []
    for index in range(count):
        namespace = {"__annotations__": {"name": str, "size": int, "tags": list[str]}}
        made.append(strawberry.type(type(f"Grown{index}", (), namespace), description="Grown."))
    return made


async def test_graphiqls_introspection_passes_anonymously_however_big_the_schema(
    services, monkeypatch
):
    import schema.types

    monkeypatch.setattr(schema.types, "EXTRA_TYPES", [*schema.types.EXTRA_TYPES, *_many_types(600)])
    grown = build_schema()
    assert len(grown._schema.type_map) > 700
    # Far beyond the fixed ceilings: a fixed anonymous budget would refuse GraphiQL here.
    assert grown.query_limits.for_anonymous().max_cost > 50_000
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        api = GraphQLClient(client)
        for variant in INTROSPECTION_VARIANTS:
            body = await api.execute(get_introspection_query(**variant))
            assert not body.get("errors"), body.get("errors")
            assert len(body["data"]["__schema"]["types"]) == len(grown._schema.type_map)
        # Still one introspection at a time, and aliased floods are refused before they run.
        twice = aliased_introspection(2)
        assert await api.error_codes(twice) == ["QUERY_LIMIT_EXCEEDED"]
        flood = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(150)) + " }"
        assert await api.error_codes(flood) == ["QUERY_LIMIT_EXCEEDED"]


async def test_schema_aliases_are_refused_before_they_run(api, statements):
    document = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(150)) + " }"
    statements.reset()
    body = await api.execute(document)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_LIMIT_EXCEEDED"]
    assert body["data"] is None
    assert statements.count == 0


# --- a user of another account ----------------------------------------------------------------

FOREIGN_OWNER = """{ portfolio { name owner { id displayName name email photoUrl seat { id }
  deactivatedAt deletedAt } } }"""


async def test_a_foreign_owner_shows_the_display_name_and_nothing_else(api, factory):
    world = await build_world(factory)
    member = await factory.user(world.labs)
    data = await api.data(FOREIGN_OWNER, token=member.token)
    owner = data["portfolio"]["owner"]
    assert owner["displayName"]
    assert {k: v for k, v in owner.items() if k not in ("id", "displayName")} == {
        "name": None,
        "email": None,
        "photoUrl": None,
        "seat": None,
        "deactivatedAt": None,
        "deletedAt": None,
    }


@pytest.mark.parametrize(
    "field",
    [
        "status",
        "role",
        "isAccountOwner",
        "canSetMarketingStatus",
        "ownedItems { total }",
        "contacts { totalCount }",
        "deals { totalCount }",
    ],
)
async def test_a_foreign_owners_private_fields_are_forbidden(api, factory, field):
    world = await build_world(factory)
    member = await factory.user(world.labs)
    body = await api.execute(
        f"{{ portfolio {{ owner {{ displayName {field} }} }} }}", token=member.token
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "Acme" not in json.dumps(body)  # no value of the other account leaks
    # The portfolio owner's own view is unchanged.
    own = await api.data(
        f"{{ portfolio {{ owner {{ displayName {field} }} }} }}", token=world.acme.owner.token
    )
    assert own["portfolio"]["owner"]["displayName"]


# --- retry of a write that lost a race ---------------------------------------------------------


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _conflict(sqlstate: str = "40P01") -> OperationalError:
    return OperationalError("UPDATE ...", {}, _PgError(sqlstate))


async def test_a_write_that_lost_a_deadlock_runs_again_from_its_start(sessionmaker):
    db = RequestDatabase(sessionmaker)
    attempts: list[int] = []
    resets: list[int] = []

    async def attempt() -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise _conflict("40P01" if len(attempts) == 1 else "40001")
        return "done"

    assert await with_write_retry(db, attempt, before_retry=lambda: resets.append(1)) == "done"
    assert attempts == [1, 2, 3]
    assert len(resets) == 2
    await db.close()


async def test_the_retry_is_bounded_and_only_for_conflicts(sessionmaker):
    db = RequestDatabase(sessionmaker)
    calls = 0

    async def always_conflicting() -> None:
        nonlocal calls
        calls += 1
        raise _conflict()

    with pytest.raises(OperationalError):
        await with_write_retry(db, always_conflicting)
    assert calls == MAX_WRITE_ATTEMPTS

    calls = 0

    async def other_failure() -> None:
        nonlocal calls
        calls += 1
        raise _conflict("23505")  # a unique violation is a real answer, not a race

    with pytest.raises(OperationalError):
        await with_write_retry(db, other_failure)
    assert calls == 1
    await db.close()


async def test_a_committed_write_is_never_repeated(sessionmaker):
    db = RequestDatabase(sessionmaker)
    calls = 0

    async def commits_then_conflicts() -> None:
        nonlocal calls
        calls += 1
        async with db.write():
            pass
        raise _conflict()

    with pytest.raises(OperationalError):
        await with_write_retry(db, commits_then_conflicts)
    assert calls == 1
    await db.close()
