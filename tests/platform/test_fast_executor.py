"""The fast executor (schema/executor.py) against graphql-core's own, result for result.

Three layers: a small schema built for the edge cases (errors, null propagation through non-null
fields, error paths, aliases, fragments, @skip/@include, __typename, interfaces and unions);
a few hundred queries generated from the served schema and sent with a token on demo data
(``tests/differential.py`` replays every query through both executors and fails the test on any
difference); and a check that the fast path is engaged on the pages it exists for.
"""

from __future__ import annotations

import copy
import enum
from typing import Annotated, Any

import graphql
import pytest
import strawberry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench.operations import CONTACTS_PAGE, USERS_PAGE
from db.demo import DEMO_PASSWORD, seed_demo
from schema import build_schema
from schema.executor import FastExecutor, fast_fields_in
from schema.fast_fields import AttributeResolver, use_direct_attribute_resolvers
from schema.prefetch import MISSING, read_path_of
from tests.differential import _canonical

# --- a schema made for the edge cases -----------------------------------------------------


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leaf(Named):
    colour: Colour
    tags: list[str]
    maybe: str | None = None


@strawberry.type
class Branch(Named):
    leaves: list[Leaf]
    strict_leaves: list[Leaf] | None
    nullable_leaves: list[Leaf | None]
    first: Leaf | None
    required: str  # None in some rows: a non-null violation
    count: int

    @strawberry.field
    def failing(self) -> str | None:
        raise ValueError("failing resolver")


class Exploding(Leaf):
    """A leaf whose ``name`` attribute raises: an error in an attribute field."""

    def __init__(self) -> None:
        self.colour = Colour.RED
        self.tags = []
        self.maybe = None

    @property
    def name(self) -> str:  # type: ignore[override]  # a raising attribute is the point
        raise RuntimeError("attribute exploded")


Thing = Annotated[Leaf | Branch, strawberry.union("Thing")]


def _leaf(name: str, **extra: Any) -> Leaf:
    return Leaf(name=name, colour=extra.pop("colour", Colour.BLUE), tags=["a", "b"], **extra)


BRANCHES = [
    Branch(
        name="one",
        leaves=[_leaf("l1"), _leaf("l2", maybe="m")],
        strict_leaves=[_leaf("s1")],
        nullable_leaves=[None, _leaf("n1")],
        first=_leaf("f1", colour=Colour.RED),
        required="yes",
        count=2,
    ),
    Branch(
        name="two",
        leaves=[_leaf("l3"), Exploding()],
        strict_leaves=[Exploding()],
        nullable_leaves=[Exploding()],
        first=None,
        required=None,  # type: ignore[arg-type]
        count=0,
    ),
]


#: The same objects named several times (like an owner on many contacts), one with a leaf that
#: cannot be coerced: its error must be reported at every position it appears in.
SHARED = _leaf("shared")
UNREPRESENTABLE = _leaf("odd", maybe=object())


@strawberry.type
class Holder:
    items: list[Leaf]  # an attribute: completed by the fast executor, object by object


@strawberry.type
class MaybeHolder:
    items: list[Leaf | None]


@strawberry.type
class Odd:
    """Leaves kept as they are by compiled plans when plain (``_leaf_in_place``), and not."""

    number: int
    flag: bool
    colour: Colour
    label: str


ODDS: list[Odd | None] = [
    Odd(number=7, flag=True, colour=Colour.RED, label="plain"),
    Odd(number=2**31, flag=False, colour=Colour.BLUE, label="beyond 32 bits"),
    Odd(number=-(2**31), flag=True, colour=Colour.RED, label="lowest Int"),
    Odd(number=True, flag=1, colour="red", label=5),  # type: ignore[arg-type]  # the point
    Odd(number=3.0, flag=0.0, colour="nope", label=None),  # type: ignore[arg-type]
]


@strawberry.type
class Query:
    @strawberry.field
    def cast_holder(self) -> MaybeHolder:
        """A Leaf cast to another type is no Leaf for ``is_type_of``: an error in its place."""
        return MaybeHolder(items=[_leaf("plain"), strawberry.cast(Branch, _leaf("cast"))])

    @strawberry.field
    def odds(self) -> list[Odd | None]:
        return ODDS

    @strawberry.field
    def odd(self, i: int) -> Odd | None:
        return ODDS[i]

    @strawberry.field
    def branches(self) -> list[Branch]:
        return BRANCHES

    @strawberry.field
    def holder(self) -> Holder:
        return Holder(items=[SHARED, UNREPRESENTABLE, SHARED, UNREPRESENTABLE, UNREPRESENTABLE])

    @strawberry.field
    def strict_branches(self) -> list[Branch] | None:
        return BRANCHES

    @strawberry.field
    def named(self) -> list[Named]:
        return [BRANCHES[0], _leaf("solo")]

    @strawberry.field
    def things(self) -> list[Thing]:
        return [_leaf("t1"), BRANCHES[0]]

    @strawberry.field
    async def later(self) -> Branch:
        return BRANCHES[0]


EDGE_CASES = [
    "{ branches { name count leaves { name colour tags maybe } first { name } } }",
    "{ branches { __typename n: name c1: count c2: count leaves { t: __typename name } } }",
    # An attribute that raises inside a nullable list item, and a non-null violation.
    "{ branches { name leaves { name } } }",
    "{ branches { required } }",
    "{ strictBranches { name required } }",
    "{ strictBranches { strictLeaves { name } } }",
    "{ branches { nullableLeaves { name colour } } }",
    "{ branches { failing name } }",
    "{ later { name leaves { name } } }",
    "query($s: Boolean!) { branches { name @skip(if: $s) count @include(if: $s) } }",
    "{ branches { name @skip(if: true) count @include(if: false) maybe: count } }",
    "fragment L on Leaf { name colour } { branches { leaves { ...L tags } first { ...L } } }",
    "{ branches { ... on Branch { name } ... @include(if: true) { count } } }",
    "{ named { __typename name ... on Leaf { colour } ... on Branch { count } } }",
    "{ things { __typename ... on Leaf { name tags } ... on Branch { name count } } }",
    "{ branches { name } branches { count } }",
    "{ holder { items { name colour maybe } } }",
    "{ holder { items { __typename name } again: items { name maybe } } }",
    "{ castHolder { items { name colour } } }",
    "{ odds { number flag colour label } }",
    "{ odds { label } }",
    "{ odds { colour flag } }",
    # One object per request: each odd value meets the compiled plan's inline checks first.
    *(f"{{ odd(i: {i}) {{ number flag colour label }} }}" for i in range(len(ODDS))),
]


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    fast = strawberry.Schema(
        query=Query, types=[Leaf, Branch], execution_context_class=FastExecutor
    )
    rewired = use_direct_attribute_resolvers(fast._schema)
    assert rewired >= 10, rewired
    reference = copy.copy(fast)
    reference.execution_context_class = StrawberryGraphQLCoreExecutionContext
    return fast, reference


@pytest.mark.parametrize("query", EDGE_CASES)
@pytest.mark.parametrize("skip", [True, False])
async def test_edge_cases_match_graphql_core(query: str, skip: bool) -> None:
    fast, reference = _schemas()
    variables = {"s": skip} if "$s" in query else None
    # Twice each: the second run reuses the plans of the first.
    for _ in range(2):
        mine = await fast.execute(query, variable_values=variables)
        theirs = await reference.execute(query, variable_values=variables)
        assert _canonical(mine) == _canonical(theirs)


async def test_errors_and_null_propagation_are_reported_where_graphql_core_reports_them() -> None:
    fast, _ = _schemas()
    result = await fast.execute("{ strictBranches { name required } }")
    # ``required`` is non-null: the null bubbles to the nearest nullable parent.
    assert result.data == {"strictBranches": None}
    assert [(e.message, e.path) for e in result.errors or ()] == [
        (
            "Cannot return null for non-nullable field Branch.required.",
            ["strictBranches", 1, "required"],
        )
    ]
    # An attribute that raises, under non-null types all the way up: the whole data is null.
    result = await fast.execute("{ branches { leaves { name } } }")
    assert result.data is None
    assert [(e.message, e.path) for e in result.errors or ()] == [
        ("attribute exploded", ["branches", 1, "leaves", 1, "name"])
    ]
    # The same under a nullable list item: only that item is null.
    result = await fast.execute("{ branches { nullableLeaves { name } } }")
    assert result.data == {
        "branches": [
            {"nullableLeaves": [None, {"name": "n1"}]},
            {"nullableLeaves": [None]},
        ]
    }
    assert [e.path for e in result.errors or ()] == [["branches", 1, "nullableLeaves", 0, "name"]]


async def test_a_repeated_object_reports_its_errors_at_every_position() -> None:
    fast, _ = _schemas()
    result = await fast.execute("{ holder { items { name maybe } } }")
    shared, odd = {"name": "shared", "maybe": None}, {"name": "odd", "maybe": None}
    assert result.data == {"holder": {"items": [shared, odd, shared, odd, odd]}}
    assert [e.path for e in result.errors or ()] == [
        ["holder", "items", 1, "maybe"],
        ["holder", "items", 3, "maybe"],
        ["holder", "items", 4, "maybe"],
    ]


# --- generated queries over the served schema, on demo data ---------------------------------


@pytest.fixture
async def token(api, sessionmaker, clock) -> str:
    """The demo data, and a token of its account owner."""
    await seed_demo(sessionmaker, now=clock.now())
    login = await api.data(
        'mutation($p: String!) { login(input: {email: "owner@acme.example", password: $p}) '
        "{ token } }",
        {"p": DEMO_PASSWORD},
    )
    found: str = login["login"]["token"]
    return found


async def _active_regular_user_with_contacts(api: Any, token: str) -> str:
    """The id of an active REGULAR user of the demo who owns at least two contacts."""
    users = await api.data(
        "{ users(first: 50) { edges { node { id role status "
        "contacts(first: 3) { totalCount } } } } }",
        token=token,
    )
    found: str = next(
        edge["node"]["id"]
        for edge in users["users"]["edges"]
        if edge["node"]["role"] == "REGULAR"
        and edge["node"]["status"] == "ACTIVE"
        and edge["node"]["contacts"]["totalCount"] >= 2
    )
    return found


def _generated_queries(count: int) -> list[str]:
    sdl = build_schema().as_str()
    scalars = {
        "Date": st.just(nodes.String("2026-03-15")),
        "DateTime": st.just(nodes.String("2026-03-15T12:00:00+00:00")),
        "Decimal": st.just(nodes.String("10.00")),
    }
    found: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(queries(sdl, custom_scalars=scalars, allow_x00=False))
    def collect(query: str) -> None:
        found.append(query)

    collect()
    return found


async def test_generated_queries_match_graphql_core(api, token, differential):
    generated = _generated_queries(300)
    assert len(generated) >= 200
    for query in [*generated, USERS_PAGE, CONTACTS_PAGE]:
        response = await api.post(query, token=token)
        assert response.status_code in (200, 400), response.text
    # Every one of them went through both executors (the plugin fails the test on a difference).
    assert differential.compared >= len(generated)


# --- the fast path is engaged -------------------------------------------------------------


@pytest.mark.parametrize(("document", "at_least"), [(USERS_PAGE, 32), (CONTACTS_PAGE, 17)])
def test_the_pages_are_completed_on_the_fast_path(document: str, at_least: int) -> None:
    """Fails if the fast path silently turns off (a rename in Strawberry or graphql-core)."""
    fast, total = fast_fields_in(build_schema()._schema, document)
    assert fast >= at_least, (fast, total)


def test_resolve_hooks_take_the_normal_path() -> None:
    fast, _ = _schemas()
    executor = FastExecutor.build(
        fast._schema,
        graphql.parse("{ branches { name } }"),
        middleware=graphql.MiddlewareManager(lambda next_, root, info, **a: next_(root, info, **a)),
    )
    assert isinstance(executor, FastExecutor)
    assert not executor.fast


def _served_object_fields() -> list[tuple[str, graphql.GraphQLField]]:
    schema = build_schema()._schema
    return [
        (f"{named.name}.{name}", field)
        for named in schema.type_map.values()
        if isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType)
        and not named.name.startswith("__")
        for name, field in named.fields.items()
    ]


def test_every_plain_field_of_the_served_schema_is_rewired() -> None:
    """Fails if ``schema/fast_fields.py`` rewires fewer fields than the schema has plain ones
    (it relies on Strawberry's ``_is_default`` marker, which a Strawberry release may rename)."""
    plain, rewired = set(), set()
    for name, field in _served_object_fields():
        definition = field.extensions["strawberry-definition"]
        if (
            definition.base_resolver is None
            and not definition.permission_classes
            and not definition.extensions
        ):
            plain.add(name)
        if isinstance(field.resolve, AttributeResolver):
            rewired.add(name)
    assert len(plain) > 150, len(plain)
    assert rewired == plain, sorted(plain ^ rewired)


def test_the_users_page_reads_are_declared() -> None:
    declared = {name for name, field in _served_object_fields() if read_path_of(field)}
    assert {
        "User.seat",
        "User.ownedItems",
        "User.contacts",
        "User.deals",
        "Contact.owner",
        "Deal.owner",
        "Seat.user",
        "AuditEvent.actor",
    } <= declared


async def test_loaded_reads_skip_their_resolvers(api, token, monkeypatch):
    """On the users page every declared field is read from the loaders the look-ahead filled,
    and every object is completed by its compiled plan (``schema/completers.py``): the fast
    executor neither calls the declared fields' resolvers nor walks a plan step by step (the
    differential replay still does both)."""
    resolved: list[str] = []
    stepwise: list[str] = []
    compiled: list[int] = []
    execute_field = FastExecutor.execute_field
    execute_plan = FastExecutor.execute_plan
    complete_compiled = FastExecutor.complete_compiled

    def record_field(self: FastExecutor, parent_type: Any, source: Any, details: Any, *a: Any):
        resolved.append(details[0].node.name.value)
        return execute_field(self, parent_type, source, details, *a)

    def record_plan(self: FastExecutor, parent_type: Any, *a: Any) -> Any:
        stepwise.append(parent_type.name)
        return execute_plan(self, parent_type, *a)

    def record_compiled(self: FastExecutor, plan: Any, source: Any) -> Any:
        result = complete_compiled(self, plan, source)
        if result is not MISSING:
            compiled.append(id(plan))
        return result

    monkeypatch.setattr(FastExecutor, "execute_field", record_field)
    monkeypatch.setattr(FastExecutor, "execute_plan", record_plan)
    monkeypatch.setattr(FastExecutor, "complete_compiled", record_compiled)
    data = await api.data(USERS_PAGE, token=token)
    users = data["users"]["edges"]
    assert len(users) > 1
    shown = sum(len(edge["node"]["contacts"]["edges"]) for edge in users)
    assert shown > 0
    assert not {"seat", "ownedItems", "contacts", "owner"} & set(resolved), resolved
    assert stepwise == [], stepwise
    assert compiled, "the users connection was not completed by its compiled plan"


async def test_plans_made_per_request_reuse_their_compiled_source() -> None:
    """A document whose directives use variables is planned per request; its objects' compiled
    functions are built again, but not compiled from source again."""
    from schema.completers import _code

    fast, reference = _schemas()
    query = "query($s: Boolean!) { branches { name @skip(if: $s) count leaves { name colour } } }"
    for skip in (False, True):
        await fast.execute(query, variable_values={"s": skip})
    misses = _code.cache_info().misses
    for skip in (False, True, False):
        mine = await fast.execute(query, variable_values={"s": skip})
        theirs = await reference.execute(query, variable_values={"s": skip})
        assert _canonical(mine) == _canonical(theirs)
    assert _code.cache_info().misses == misses


async def test_a_user_changed_twice_in_one_request_shows_each_change(api, token):
    """``user_object`` builds each user's API object once per request, by row. A write primes
    the user loader with a snapshot of the written user (``Loaders.show_written``); a second
    write to the same user in the same request changes the ORM entity in place: the fields
    completed after it (the payload's user and every contact's owner) must show the second
    change, not the first one's object."""
    regular = await _active_regular_user_with_contacts(api, token)
    owners = (
        "user { role contacts(first: 3) { edges { node { owner { id role } } } } } "
        "userErrors { code }"
    )
    data = await api.data(
        f"mutation($u: ID!) {{"
        f" promoted: setUserPermissions(input: {{userId: $u, role: ADMIN}}) {{ {owners} }}"
        f" demoted: setUserPermissions(input: {{userId: $u, role: REGULAR}}) {{ {owners} }} }}",
        {"u": regular},
        token=token,
    )
    for field, role in (("promoted", "ADMIN"), ("demoted", "REGULAR")):
        payload = data[field]
        assert payload["userErrors"] == []
        assert payload["user"]["role"] == role
        shown = [edge["node"]["owner"] for edge in payload["user"]["contacts"]["edges"]]
        assert len(shown) >= 2
        assert shown == [{"id": regular, "role": role}] * len(shown), (field, shown)


@pytest.mark.no_differential  # the replay through graphql-core's executor reads every owner
async def test_an_owner_named_by_many_contacts_is_read_once(api, token, monkeypatch):
    """The compiled ``owner`` read of the users page remembers its answer per owner for the
    request (``schema/completers.py``, ``_read``): the owner is read from the loader once,
    however many of the page's contacts name it."""
    from schema.contacts import OWNER_READ
    from schema.prefetch import ReadPath

    owner_reads: list[Any] = []
    read_now = ReadPath.read_now

    def count(self: ReadPath, ctx: Any, key: Any) -> Any:
        if self is OWNER_READ:
            owner_reads.append(key)
        return read_now(self, ctx, key)

    monkeypatch.setattr(ReadPath, "read_now", count)
    data = await api.data(USERS_PAGE, token=token)
    named = [
        contact["node"]["owner"]["id"]
        for user in data["users"]["edges"]
        for contact in user["node"]["contacts"]["edges"]
    ]
    assert len(named) > len(set(named)) > 1  # owners named several times each
    assert sorted(owner_reads) == sorted(set(owner_reads))
    assert len(owner_reads) == len(set(named))


async def test_a_deactivation_shows_in_owners_read_later_in_the_request(api, token):
    """A user loaded by an earlier root field of the same mutation document and deactivated
    by a later one: the contacts' owners completed after the deactivation show it."""
    regular = await _active_regular_user_with_contacts(api, token)
    owners = "contacts(first: 3) { edges { node { owner { id status } } } }"
    data = await api.data(
        f"mutation($u: ID!) {{"
        f" first: setUserPermissions(input: {{userId: $u, canSetMarketingStatus: false}})"
        f" {{ user {{ status {owners} }} userErrors {{ code }} }}"
        f" deactivateUser(input: {{userId: $u}}) {{ user {{ status {owners} }} }} }}",
        {"u": regular},
        token=token,
    )
    assert data["first"]["userErrors"] == []
    for field, status in (("first", "ACTIVE"), ("deactivateUser", "DEACTIVATED")):
        user = data[field]["user"]
        assert user["status"] == status
        shown = [edge["node"]["owner"] for edge in user["contacts"]["edges"]]
        assert len(shown) >= 2
        assert shown == [{"id": regular, "status": status}] * len(shown), (field, shown)
