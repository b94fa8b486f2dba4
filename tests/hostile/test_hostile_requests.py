"""Hostile requests, each answered with a documented code, below 500, as JSON, changing nothing.

Families: malformed HTTP bodies; ids and cursors spelled any way but the canonical one; text no
database can store (NUL, lone surrogates) in every string form; over-long search terms; alias,
depth and cost floods made of introspection fields; export downloads with bad ids. Every case
runs on the database the suite runs on (SQLite, or PostgreSQL with ``TEST_DATABASE_URL``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.hostile.helpers import (
    World,
    aliased_introspection,
    assert_refused_cleanly,
    build_world,
    digits_from,
    graphql_body,
    raw_id,
    snapshot,
)

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Case:
    id: str
    #: The GraphQL document, or raw bytes posted as the body.
    document: str | bytes
    variables: Callable[[World], dict[str, Any]] | None = None
    #: Who sends it: "owner", "regular" or None (no token).
    as_user: str | None = "owner"
    #: Codes the answer must contain (all of them); empty: no code, and ``data`` checked below.
    codes: frozenset[str] = frozenset()
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    status: int | None = None


def _case(case_id: str, document: str | bytes, *codes: str, **kwargs: Any) -> Any:
    return pytest.param(Case(case_id, document, codes=frozenset(codes), **kwargs), id=case_id)


# --- malformed bodies -------------------------------------------------------------------------

MALFORMED_BODIES = [
    ("string", b'"hello"'),
    ("null", b"null"),
    ("number", b"42"),
    ("true", b"true"),
    ("empty", b""),
    ("invalid-utf8", b'{"query": "{ viewer { id } }\xff\xfe"}'),
    ("latin1-bom", b"\xef\xbb\xbf\xff"),
    ("nested-array-100000", b"[" * 100_000 + b"]" * 100_000),
    ("nested-object-100000", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
    (
        "nested-variables-200",
        b'{"query": "{ viewer { id } }", "variables": {"a": ' + b"[" * 200 + b"]" * 200 + b"}}",
    ),
    ("truncated", b'{"query": "{ viewer { id } }"'),
    ("empty-object", b"{}"),
    ("query-null", b'{"query": null}'),
    ("query-number", b'{"query": 1}'),
    ("query-list", b'{"query": ["{ viewer { id } }"]}'),
    ("query-blank", b'{"query": "   "}'),
    ("variables-list", b'{"query": "{ viewer { id } }", "variables": [1]}'),
    ("variables-string", b'{"query": "{ viewer { id } }", "variables": "{}"}'),
    ("operation-name-number", b'{"query": "{ viewer { id } }", "operationName": 7}'),
    ("extensions-list", b'{"query": "{ viewer { id } }", "extensions": []}'),
    ("batch-empty", b"[]"),
    ("batch-of-strings", b'["a", "b"]'),
    ("batch-disabled", b'[{"query": "{ viewer { id } }"}]'),
    ("nan", b'{"query": "{ viewer { id } }", "variables": {"a": NaN}}'),
]

BODY_CASES = [
    _case(f"body-{name}", body, "BAD_REQUEST", status=400) for name, body in MALFORMED_BODIES
] + [
    _case(
        f"content-type-{name}",
        graphql_body("{ viewer { id } }"),
        "BAD_REQUEST",
        headers={"Content-Type": content_type} if content_type else {},
        status=400,
    )
    for name, content_type in [
        ("text", "text/plain"),
        ("form", "application/x-www-form-urlencoded"),
        ("multipart", "multipart/form-data; boundary=x"),
        ("none", ""),
        ("xml", "application/xml"),
    ]
]


# --- ids and cursors: one spelling only --------------------------------------------------------


def _spellings(type_name: str) -> list[tuple[str, Callable[[int], str]]]:
    """Ways to write ``Type:<pk>`` other than the canonical one (each must name nothing)."""
    arabic = str.maketrans("0123456789", digits_from(0x0660))
    fullwidth = str.maketrans("0123456789", digits_from(0xFF10))
    superscript = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    return [
        ("arabic-indic", lambda pk: raw_id(f"{type_name}:{str(pk).translate(arabic)}")),
        ("fullwidth", lambda pk: raw_id(f"{type_name}:{str(pk).translate(fullwidth)}")),
        ("superscript", lambda pk: raw_id(f"{type_name}:{str(pk).translate(superscript)}")),
        ("leading-zero", lambda pk: raw_id(f"{type_name}:0{pk}")),
        ("plus-sign", lambda pk: raw_id(f"{type_name}:+{pk}")),
        ("minus-sign", lambda pk: raw_id(f"{type_name}:-{pk}")),
        ("space-before", lambda pk: raw_id(f"{type_name}: {pk}")),
        ("newline-after", lambda pk: raw_id(f"{type_name}:{pk}\n")),
        (
            "underscore",
            lambda pk: raw_id(f"{type_name}:{pk}_0")[:0] + raw_id(f"{type_name}:1_{pk}"),
        ),
        ("decimal", lambda pk: raw_id(f"{type_name}:{pk}.0")),
        ("padded", lambda pk: raw_id(f"{type_name}:{pk}") + "=="),
        (
            "standard-alphabet",
            lambda pk: raw_id(f"{type_name}:{pk}").replace("-", "+").replace("_", "/") + "+/",
        ),
        ("raw-text", lambda pk: f"{type_name}:{pk}"),
        ("spaces-around", lambda pk: f" {raw_id(f'{type_name}:{pk}')} "),
        ("lower-type", lambda pk: raw_id(f"{type_name.lower()}:{pk}")),
        ("huge", lambda pk: raw_id(f"{type_name}:{'9' * 40}")),
        ("zero", lambda pk: raw_id(f"{type_name}:0")),
        ("empty", lambda pk: ""),
        ("very-long", lambda pk: "A" * 10_000),
    ]


DEACTIVATE = """mutation($id: ID!) { deactivateUser(input: {userId: $id}) {
  user { id } userErrors { field code } } }"""
REASSIGN = """mutation($from: ID!, $to: ID!) { reassignOwnership(input: {fromUserId: $from,
  toUserId: $to}) { moved { total } userErrors { field code } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"

ID_CASES = (
    [
        _case(
            f"deactivate-{name}",
            DEACTIVATE,
            "NOT_FOUND",
            variables=lambda w, spell=spell: {"id": spell(w.regular.id)},
        )
        for name, spell in _spellings("User")
    ]
    + [
        _case(
            f"reassign-to-{name}",
            REASSIGN,
            "NOT_FOUND",
            variables=lambda w, spell=spell: {"from": w.regular.gid, "to": spell(w.admin.id)},
        )
        for name, spell in _spellings("User")[:6]
    ]
    + [
        _case(
            f"node-{name}",
            NODE,
            variables=lambda w, spell=spell: {"id": spell(w.regular.id)},
        )
        for name, spell in _spellings("User")
    ]
    + [
        _case(
            f"close-portfolio-{name}",
            """mutation($id: ID!) { closePortfolio(input: {portfolioId: $id, reason: BUGS,
          confirmName: "Northwind Group", acknowledgeDataLoss: true}) {
          closedPortfolioId userErrors { code } } }""",
            "NOT_FOUND",
            variables=lambda w, spell=spell: {"id": spell(w.portfolio_id)},
        )
        for name, spell in _spellings("Portfolio")[:5]
    ]
    + [
        _case(
            f"owner-filter-{name}",
            "query($o: [ID!]) { contacts(filter: {ownerIn: $o}) { totalCount } }",
            "NOT_FOUND",
            variables=lambda w, spell=spell: {"o": [spell(w.regular.id)]},
        )
        for name, spell in _spellings("User")[:5]
    ]
    + [
        _case(
            f"cursor-{name}",
            "query($a: String) { contacts(first: 2, after: $a) { totalCount } }",
            "INVALID_INPUT",
            variables=lambda w, spell=spell: {"a": spell(1)},
        )
        for name, spell in _spellings("cursor")
        if name != "lower-type"
    ]
)


# --- text no database can store ----------------------------------------------------------------

CREATE_CONTACT = """mutation($n: String!) { createContact(input: {name: $n, source: MANUAL}) {
  contact { id } userErrors { code } } }"""
BAD_TEXTS = [
    ("nul", "Ann\x00Lee"),
    ("only-nul", "\x00"),
    ("lone-high-surrogate", "a\ud800b"),
    ("lone-low-surrogate", "a\udc00b"),
    ("reversed-pair", "a\udc00\ud800b"),
    ("trailing-surrogate", "abc\udbff"),
]
TEXT_TARGETS = [
    ("contact-name", CREATE_CONTACT, lambda w, t: {"n": t}),
    (
        "contact-email",
        """mutation($e: String) { createContact(input: {name: "Ann", email: $e,
          source: MANUAL}) { contact { id } userErrors { code } } }""",
        lambda w, t: {"e": f"ann{t}@example.com"},
    ),
    (
        "user-name",
        """mutation($n: String!) { addUser(input: {name: $n, email: "new@acme.example"}) {
          user { id } userErrors { code } } }""",
        lambda w, t: {"n": t},
    ),
    (
        "user-email",
        """mutation($e: String!) { addUser(input: {name: "New", email: $e}) {
          user { id } userErrors { code } } }""",
        lambda w, t: {"e": f"new{t}@acme.example"},
    ),
    (
        "idempotency-key",
        """mutation($k: String) { addSeats(input: {count: 1, idempotencyKey: $k}) {
          userErrors { code } } }""",
        lambda w, t: {"k": f"key-{t}"},
    ),
    (
        "search",
        "query($s: String) { contacts(filter: {search: $s}) { totalCount } }",
        lambda w, t: {"s": t},
    ),
    (
        "user-search",
        "query($s: String) { users(filter: {search: $s}) { totalCount } }",
        lambda w, t: {"s": t},
    ),
    (
        "deal-title",
        """mutation($t: String!) { createDeal(input: {title: $t, value: "1.00"}) {
          deal { id } userErrors { code } } }""",
        lambda w, t: {"t": t},
    ),
    ("id", DEACTIVATE, lambda w, t: {"id": w.regular.gid + t}),
    (
        "close-reason",
        """mutation($r: String) { closeAccount(input: {confirmName: "Acme Corp", reason: $r,
          acknowledgeDataLoss: true}) { closedAccountId userErrors { code } } }""",
        lambda w, t: {"r": t},
    ),
    (
        "list-of-ids",
        "query($o: [ID!]) { contacts(filter: {ownerNotIn: $o}) { totalCount } }",
        lambda w, t: {"o": [w.regular.gid, t]},
    ),
]
LOGIN = 'mutation($e: String!) { login(input: {email: $e, password: "x"}) { token } }'

TEXT_CASES = (
    [
        _case(
            f"{target}-{text_name}",
            document,
            "INVALID_INPUT",
            variables=lambda w, build=build, text=text: build(w, text),
        )
        for target, document, build in TEXT_TARGETS
        for text_name, text in BAD_TEXTS
    ]
    + [
        _case(
            f"login-email-{name}",
            LOGIN,
            "INVALID_INPUT",
            variables=lambda w, t=text: {"e": t},
            as_user=None,
        )
        for name, text in BAD_TEXTS
    ]
    + [
        _case(
            "literal-escaped-nul",
            '{ contacts(filter: {search: "a\\u0000b"}) { totalCount } }',
            "INVALID_INPUT",
        ),
        _case(
            "literal-braced-nul",
            '{ contacts(filter: {search: "a\\u{0}b"}) { totalCount } }',
            "INVALID_INPUT",
        ),
        _case(
            "block-string-raw-nul",
            'mutation { createContact(input: {name: """a\x00b""", source: MANUAL}) '
            "{ contact { id } } }",
            "INVALID_INPUT",
        ),
        _case(
            "literal-raw-nul",
            'mutation { createContact(input: {name: "a\x00b", source: MANUAL}) '
            "{ contact { id } } }",
            "INVALID_INPUT",
        ),
        _case(
            "block-string-raw-surrogate",
            'mutation { createContact(input: {name: """a\ud800b""", source: MANUAL}) '
            "{ contact { id } } }",
            "INVALID_INPUT",
        ),
        _case(
            "literal-raw-surrogate",
            'mutation { createContact(input: {name: "a\udfffb", source: MANUAL}) '
            "{ contact { id } } }",
            "INVALID_INPUT",
        ),
        _case(
            "literal-id-with-nul", 'query { node(id: "VXNlcjox\\u0000") { id } }', "INVALID_INPUT"
        ),
        _case(
            "nested-input-key",
            "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
            "INVALID_INPUT",
            variables=lambda w: {"f": {"search": "x", "sea\x00rch": "y"}},
        ),
    ]
)
# graphql-core refuses a lone surrogate (escaped or raw) in a literal while parsing; the syntax
# error is answered INVALID_INPUT like the same text in a variable. Other bad escapes are
# syntax errors (GRAPHQL_PARSE_FAILED).
PARSER_CASES = [
    _case(
        "literal-escaped-surrogate",
        '{ contacts(filter: {search: "a\\ud800b"}) { totalCount } }',
        "INVALID_INPUT",
    ),
    _case(
        "literal-braced-surrogate",
        '{ contacts(filter: {search: "a\\u{D800}b"}) { totalCount } }',
        "INVALID_INPUT",
    ),
    _case(
        "literal-escape-beyond-unicode",
        '{ contacts(filter: {search: "a\\u{110000}b"}) { totalCount } }',
        "GRAPHQL_PARSE_FAILED",
    ),
]


# --- search terms -----------------------------------------------------------------------------

SEARCH_CASES = [
    _case(
        f"search-{length}-characters",
        "query($s: String) { contacts(filter: {search: $s}) { totalCount } }",
        "INVALID_INPUT",
        variables=lambda w, n=length: {"s": "%_" * (n // 2)},
    )
    for length in (202, 1_000, 50_000)
] + [
    _case(
        "bulk-filter-search-50000",
        """mutation($s: String) { setMarketingStatus(input: {filter: {search: $s},
          status: NON_MARKETING}) { updatedCount userErrors { code } } }""",
        "INVALID_INPUT",
        variables=lambda w: {"s": "a" * 50_000},
    ),
    _case(
        "user-search-50000",
        "query($s: String) { users(filter: {search: $s}) { totalCount } }",
        "INVALID_INPUT",
        variables=lambda w: {"s": "a" * 50_000},
    ),
]


# --- limits count introspection ---------------------------------------------------------------


FULL_SCHEMA = "__schema { types { name fields { name type { name ofType { name } } } } }"
LIMIT_CASES = [
    _case(
        "150-schema-aliases-anonymous",
        "{ " + " ".join(f"s{i}: {FULL_SCHEMA}" for i in range(150)) + " }",
        "QUERY_LIMIT_EXCEEDED",
        as_user=None,
    ),
    _case(
        "150-schema-aliases",
        "{ " + " ".join(f"s{i}: {FULL_SCHEMA}" for i in range(150)) + " }",
        "QUERY_LIMIT_EXCEEDED",
    ),
    _case(
        "1000-typename-aliases",
        "{ " + " ".join(f"t{i}: __typename" for i in range(1000)) + " }",
        "QUERY_LIMIT_EXCEEDED",
    ),
    _case(
        "6-typename-aliases-anonymous",
        "{ " + " ".join(f"t{i}: __typename" for i in range(6)) + " }",
        "QUERY_LIMIT_EXCEEDED",
        as_user=None,
    ),
    _case(
        "schema-through-fragments",
        "{ "
        + " ".join(f"s{i}: __schema {{ ...All }}" for i in range(40))
        + " } fragment All on __Schema { types { name fields { name } } }",
        "QUERY_LIMIT_EXCEEDED",
    ),
    _case(
        "costly-introspection-without-aliases",
        "{ __schema { types { fields { type { fields { type { fields { type { fields {"
        " name } } } } } } } } } }",
        "QUERY_LIMIT_EXCEEDED",
    ),
    _case(
        "deep-type-introspection",
        '{ __type(name: "User") { ' + "fields { type { " * 7 + "name" + " } }" * 7 + " } }",
        "QUERY_LIMIT_EXCEEDED",
    ),
    _case(
        "deep-nesting-1500",
        "{ viewer { " + "seat { user { " * 750 + "id" + " } }" * 750 + " } }",
        "QUERY_LIMIT_EXCEEDED",
    ),
    _case(
        "many-tokens-anonymous",
        "{ " + " ".join(["__typename"] * 1200) + " }",
        "QUERY_LIMIT_EXCEEDED",
        as_user=None,
    ),
    _case(
        "two-full-introspections-anonymous",
        aliased_introspection(2),
        "QUERY_LIMIT_EXCEEDED",
        as_user=None,
    ),
    _case("four-full-introspections", aliased_introspection(4), "QUERY_LIMIT_EXCEEDED"),
]

ALL_CASES = BODY_CASES + ID_CASES + TEXT_CASES + PARSER_CASES + SEARCH_CASES + LIMIT_CASES


@pytest.mark.parametrize("case", ALL_CASES)
async def test_hostile_request_is_refused_cleanly(api, factory, sessionmaker, case: Case):
    world = await build_world(factory)
    user = {"owner": world.acme.owner, "regular": world.regular, None: None}[case.as_user]
    headers = dict(case.headers)
    if user is not None:
        headers["Authorization"] = f"Bearer {user.token}"
    if isinstance(case.document, bytes):
        body = case.document
    else:
        variables = case.variables(world) if case.variables else None
        body = graphql_body(case.document, variables)
    before = await snapshot(sessionmaker)

    # Sent twice: the second time the parsed document and what was worked out from it come
    # from the document cache (schema/documents.py), and must refuse it all the same.
    for _attempt in ("first", "repeated"):
        response = await api.http.post("/graphql", content=body, headers=headers)

        codes = assert_refused_cleanly(response)
        if case.status is not None:
            assert response.status_code == case.status
        if case.codes:
            assert case.codes <= set(codes), (codes, response.json())
        else:  # node(id: <bad id>) is simply not found
            assert codes == []
            assert response.json()["data"] == {"node": None}
    assert await snapshot(sessionmaker) == before
