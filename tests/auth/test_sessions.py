"""Login, logout, expiry and revocation of bearer tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuthSession
from schema import build_schema
from tests.contract.test_contract import is_one_of
from tests.factories import PASSWORD

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token user { displayName email } userErrors { field code message }
  }
}
"""
VIEWER = "{ viewer { email } }"


async def test_login_returns_a_token_that_authenticates(api, factory, sessionmaker):
    acme = await factory.account()
    result = await api.data(LOGIN, {"email": "OWNER@acmecorp.example ", "password": PASSWORD})
    payload = result["login"]
    assert payload["userErrors"] == []
    assert payload["user"]["email"] == acme.owner.email
    token = payload["token"]
    assert (await api.data(VIEWER, token=token))["viewer"]["email"] == acme.owner.email
    async with sessionmaker() as session:
        hashes = (await session.scalars(select(AuthSession.token_hash))).all()
    assert token not in hashes  # only the hash is stored


@pytest.mark.parametrize("password", ["wrong", ""])
async def test_wrong_password_is_a_user_error_and_no_token(api, factory, password):
    await factory.account()
    payload = (await api.data(LOGIN, {"email": "owner@acmecorp.example", "password": password}))[
        "login"
    ]
    assert payload["token"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["UNAUTHENTICATED"]


async def test_unknown_email_looks_the_same_as_a_wrong_password(api, factory):
    await factory.account()
    payload = (await api.data(LOGIN, {"email": "nobody@x.example", "password": PASSWORD}))["login"]
    assert payload["token"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["UNAUTHENTICATED"]


async def test_logout_revokes_the_token(api, factory):
    acme = await factory.account()
    assert (await api.data("mutation { logout { ok } }", token=acme.owner.token)) == {
        "logout": {"ok": True}
    }
    assert await api.error_codes(VIEWER, token=acme.owner.token) == ["UNAUTHENTICATED"]


async def test_expired_token_is_unauthenticated(api, factory, clock):
    acme = await factory.account()
    clock.advance(timedelta(days=2))  # factory sessions live one day
    assert await api.error_codes(VIEWER, token=acme.owner.token) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer", ""])
async def test_malformed_or_unknown_tokens_are_unauthenticated(api, factory, header):
    await factory.account()
    response = await api.post(VIEWER, headers={"Authorization": header})
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes == ["UNAUTHENTICATED"]


async def test_a_bad_token_does_not_block_login(api, factory):
    await factory.account()
    response = await api.post(
        LOGIN,
        {"email": "owner@acmecorp.example", "password": PASSWORD},
        headers={"Authorization": "Bearer stale"},
    )
    assert response.json()["data"]["login"]["token"]


#: Root fields for people who are not signed in yet (they hold an emailed token or an email).
SIGNED_OUT_FIELDS = {"login", "acceptInvitation", "requestPasswordReset", "resetPassword"}


def _root_fields() -> list[tuple[str, str]]:
    schema = build_schema()._schema
    fields = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        fields += [(kind, name) for name in root.fields if name not in SIGNED_OUT_FIELDS]
    return fields


@pytest.mark.parametrize(("kind", "field"), _root_fields())
async def test_every_root_field_but_the_signed_out_ones_requires_a_token(api, factory, kind, field):
    """Built from the served schema, so a new root field is covered the day it is added."""
    from graphql import GraphQLNonNull, get_named_type, is_leaf_type

    schema = build_schema()._schema
    root = schema.query_type if kind == "query" else schema.mutation_type
    assert root is not None
    definition = root.fields[field]
    args = ", ".join(
        f"{name}: {_dummy(arg.type)}"
        for name, arg in definition.args.items()
        if isinstance(arg.type, GraphQLNonNull)
    )
    selection = "" if is_leaf_type(get_named_type(definition.type)) else " { __typename }"
    document = f"{kind} {{ {field}{f'({args})' if args else ''}{selection} }}"
    body = await api.execute(document)
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert codes == ["UNAUTHENTICATED"], (document, body)


def _dummy(graphql_type: object) -> str:
    """A syntactically valid literal for a required argument (the value is never used)."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLList,
        GraphQLNonNull,
        GraphQLScalarType,
    )

    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if isinstance(inner, GraphQLList):
        return "[]"
    if isinstance(inner, GraphQLEnumType):
        return str(next(iter(inner.values)))
    if isinstance(inner, GraphQLInputObjectType):
        if is_one_of(inner):
            name, field = next(iter(inner.fields.items()))
            return f"{{{name}: {_dummy(GraphQLNonNull(field.type))}}}"
        parts = [
            f"{name}: {_dummy(field.type)}"
            for name, field in inner.fields.items()
            if isinstance(field.type, GraphQLNonNull)
        ]
        return "{" + ", ".join(parts) + "}"
    assert isinstance(inner, GraphQLScalarType)
    literals = {"Int": "1", "Boolean": "true", "Float": "1.0", "Decimal": '"1.00"'}
    return str(literals.get(inner.name, '"x"'))


async def test_repeated_failures_slow_down_then_a_wait_lets_the_user_in(api, factory, clock):
    await factory.account()
    wrong = {"email": "owner@acmecorp.example", "password": "wrong"}
    for _ in range(4):  # three free failures, the fourth starts the back-off
        payload = (await api.data(LOGIN, wrong))["login"]
        assert payload["userErrors"][0]["code"] == "UNAUTHENTICATED"
    body = await api.execute(LOGIN, {"email": "owner@acmecorp.example", "password": PASSWORD})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] >= 1
    clock.advance(timedelta(seconds=error["extensions"]["retryAfter"]))
    payload = (await api.data(LOGIN, {"email": "owner@acmecorp.example", "password": PASSWORD}))[
        "login"
    ]
    assert payload["token"]


async def test_a_login_loses_to_a_password_change_committed_while_it_verified(
    api, factory, sessionmaker, monkeypatch
):
    """The password is verified outside the write; a reset that commits in between must win,
    or the reset's "every session revoked" would miss the session this login opens."""
    from db.models import User
    from resolvers import auth
    from resolvers.auth.security import hash_password

    acme = await factory.account()

    async def reset_meanwhile(user, password):
        async with sessionmaker() as session, session.begin():
            row = await session.get(User, user.id)
            row.password_hash = hash_password("a brand new passphrase")
        return None

    monkeypatch.setattr(auth, "_rehashed", reset_meanwhile)
    payload = (await api.data(LOGIN, {"email": acme.owner.email, "password": PASSWORD}))["login"]
    assert payload["token"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["UNAUTHENTICATED"]
    async with sessionmaker() as session:
        opened = await session.scalar(
            select(func.count())
            .select_from(AuthSession)
            .where(AuthSession.user_id == acme.owner.id)
        )
    assert opened == 1  # only the factory's own session; the racing login opened none
