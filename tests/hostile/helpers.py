"""Shared by the hostile-input suite: a world to attack, what a refusal must look like, and a
snapshot of every table to prove a refused request changed nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from graphql import (
    DocumentNode,
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_introspection_query,
    parse,
    print_ast,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Base
from resolvers.errors import ErrorCode
from tests.factories import AccountHandle, Factory, UserHandle

#: Every code a client may see (README "Errors"): GraphQL error codes and userErrors codes.
DOCUMENTED_CODES = frozenset(
    {
        "BAD_REQUEST",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "QUERY_LIMIT_EXCEEDED",
        "RATE_LIMITED",
    }
    | {code.value for code in ErrorCode}
)


def raw_id(text: str) -> str:
    """An id spelled by hand: base64url of ``text`` without padding."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def digits_from(zero: int) -> str:
    """The ten digits of a script whose zero is the code point ``zero`` (e.g. 0x0660)."""
    return "".join(chr(zero + digit) for digit in range(10))


@dataclass
class World:
    acme: AccountHandle
    admin: UserHandle
    regular: UserHandle
    deactivated: UserHandle
    labs: AccountHandle
    portfolio_id: int


async def build_world(factory: Factory) -> World:
    from db.enums import Role, UserStatus

    acme = await factory.account("Acme Corp", free_seats=2)
    admin = await factory.user(acme, role=Role.ADMIN)
    regular = await factory.user(acme)
    deactivated = await factory.user(acme, status=UserStatus.DEACTIVATED)
    await factory.contacts(acme, 5, owner=regular)
    await factory.deals(acme, 3, owner=regular)
    labs = await factory.account("Acme Labs")
    portfolio_id = await factory.portfolio(
        acme.owner, [acme, labs], billing_rows=[("Group plan", Decimal("10.00"))]
    )
    return World(acme, admin, regular, deactivated, labs, portfolio_id)


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row, per table."""
    result: dict[str, tuple[int, str]] = {}
    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table).order_by(*table.primary_key))).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def codes_in(body: Any) -> list[str]:
    """GraphQL error codes, then every ``userErrors`` code anywhere in ``data``."""
    codes = [
        (error.get("extensions") or {}).get("code", "<none>") for error in body.get("errors") or []
    ]
    stack = [body.get("data")]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "userErrors" and isinstance(child, list):
                    codes += [item.get("code", "<none>") for item in child]
                else:
                    stack.append(child)
        elif isinstance(value, list):
            stack.extend(value)
    return codes


def assert_refused_cleanly(response: httpx.Response) -> list[str]:
    """A JSON answer below 500 whose codes are all documented and none internal."""
    assert response.status_code < 500, response.text[:500]
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    body = response.json()
    assert isinstance(body, dict), body
    codes = codes_in(body)
    assert "INTERNAL_SERVER_ERROR" not in codes, body
    assert set(codes) <= DOCUMENTED_CODES, codes
    return codes


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    """JSON with every non-ASCII character escaped, so lone surrogates travel as ``\\ud800``."""
    return json.dumps({"query": query, "variables": variables or {}}).encode("ascii")


def aliased_introspection(copies: int) -> str:
    """GraphiQL's introspection query with its ``__schema`` selection asked ``copies`` times."""
    document = parse(get_introspection_query(descriptions=True))
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    (schema_field,) = operation.selection_set.selections
    assert isinstance(schema_field, FieldNode)
    copies_of = tuple(
        FieldNode(
            alias=NameNode(value=f"s{i}"),
            name=schema_field.name,
            arguments=(),
            directives=(),
            selection_set=schema_field.selection_set,
        )
        for i in range(copies)
    )
    fragments = print_ast(DocumentNode(definitions=document.definitions[1:]))
    selections = print_ast(SelectionSetNode(selections=copies_of))
    return f"query Introspection {selections}\n{fragments}"
