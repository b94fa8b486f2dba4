"""Passwords: change (other sessions end), reset by mail (same answer for any email, throttled,
single use, one hour, every session ends), the common-password rule, rehash on login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from db.models import AuditEvent, AuthSession, OutboxMessage, User
from resolvers.rules.auth import password_problem
from tests.auth.helpers import LOGIN, NEW_PASSWORD, VIEWER
from tests.factories import PASSWORD

CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    ok sessionsRevoked userErrors { field code message }
  }
}
"""
REQUEST_RESET = """
mutation($email: String!) { requestPasswordReset(input: {email: $email}) { ok } }
"""
RESET = """
mutation($token: String!, $password: String!) {
  resetPassword(input: {token: $token, password: $password}) {
    ok sessionsRevoked userErrors { field code message }
  }
}
"""


async def _login(api, email, password):
    return (await api.data(LOGIN, {"email": email, "password": password}))["login"]


async def test_change_password_ends_every_other_session(api, factory):
    acme = await factory.account()
    other = (await _login(api, acme.owner.email, PASSWORD))["token"]

    payload = (
        await api.data(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=acme.owner.token)
    )["changePassword"]

    assert payload == {"ok": True, "sessionsRevoked": 1, "userErrors": []}
    assert await api.error_codes(VIEWER, token=other) == ["UNAUTHENTICATED"]
    assert (await api.data(VIEWER, token=acme.owner.token))["viewer"]["email"]
    assert (await _login(api, acme.owner.email, PASSWORD))["token"] is None
    assert (await _login(api, acme.owner.email, NEW_PASSWORD))["token"]


async def test_change_password_needs_the_current_one(api, factory, sessionmaker):
    acme = await factory.account()

    payload = (
        await api.data(CHANGE, {"current": "wrong", "new": NEW_PASSWORD}, token=acme.owner.token)
    )["changePassword"]

    assert payload["ok"] is False
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_INPUT", ["input", "currentPassword"])
    ]
    assert (await _login(api, acme.owner.email, PASSWORD))["token"]


async def test_change_password_refuses_a_weak_one(api, factory):
    acme = await factory.account()

    payload = (
        await api.data(CHANGE, {"current": PASSWORD, "new": "qwerty123456"}, token=acme.owner.token)
    )["changePassword"]

    assert [e["code"] for e in payload["userErrors"]] == ["WEAK_PASSWORD"]
    assert (await _login(api, acme.owner.email, PASSWORD))["token"]


async def _reset_mails(sessionmaker):
    async with sessionmaker() as session:
        return (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "password_reset")
            )
        ).all()


async def test_reset_mails_a_link_that_sets_the_password_and_ends_every_session(
    api, factory, services, smtp, sessionmaker
):
    acme = await factory.account()
    data = await api.data(REQUEST_RESET, {"email": "Owner@AcmeCorp.example"})
    assert data == {"requestPasswordReset": {"ok": True}}
    await smtp.sender(services).deliver_due()
    [token] = smtp.inbox.tokens("reset-password")

    payload = (await api.data(RESET, {"token": token, "password": NEW_PASSWORD}))["resetPassword"]

    assert payload == {"ok": True, "sessionsRevoked": 1, "userErrors": []}
    assert await api.error_codes(VIEWER, token=acme.owner.token) == ["UNAUTHENTICATED"]
    assert (await _login(api, acme.owner.email, NEW_PASSWORD))["token"]
    again = (await api.data(RESET, {"token": token, "password": "yet-another-passphrase"}))[
        "resetPassword"
    ]
    assert [e["code"] for e in again["userErrors"]] == ["TOKEN_USED"]
    async with sessionmaker() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert {"user.request_password_reset", "user.reset_password"} <= set(actions)


async def test_a_reset_link_lasts_one_hour(api, factory, services, smtp, clock):
    acme = await factory.account()
    await api.data(REQUEST_RESET, {"email": acme.owner.email})
    await smtp.sender(services).deliver_due()
    [token] = smtp.inbox.tokens("reset-password")
    clock.advance(timedelta(hours=1))

    payload = (await api.data(RESET, {"token": token, "password": NEW_PASSWORD}))["resetPassword"]

    assert [e["code"] for e in payload["userErrors"]] == ["TOKEN_EXPIRED"]
    assert (await _login(api, acme.owner.email, PASSWORD))["token"]


async def test_a_newer_reset_request_kills_the_older_link(api, factory, services, smtp):
    acme = await factory.account()
    await api.data(REQUEST_RESET, {"email": acme.owner.email})
    await smtp.sender(services).deliver_due()
    await api.data(REQUEST_RESET, {"email": acme.owner.email})
    await smtp.sender(services).deliver_due()
    older, newer = smtp.inbox.tokens("reset-password")

    refused = (await api.data(RESET, {"token": older, "password": NEW_PASSWORD}))["resetPassword"]
    accepted = (await api.data(RESET, {"token": newer, "password": NEW_PASSWORD}))["resetPassword"]

    assert [e["code"] for e in refused["userErrors"]] == ["TOKEN_REVOKED"]
    assert accepted["ok"] is True


async def test_a_newer_reset_request_drops_the_older_unsent_mail(api, factory, services, smtp):
    acme = await factory.account()
    await api.data(REQUEST_RESET, {"email": acme.owner.email})
    await api.data(REQUEST_RESET, {"email": acme.owner.email})

    assert await smtp.sender(services).deliver_due() == 1  # the dead link is never mailed
    [token] = smtp.inbox.tokens("reset-password")
    accepted = (await api.data(RESET, {"token": token, "password": NEW_PASSWORD}))["resetPassword"]
    assert accepted["ok"] is True


async def test_unknown_email_gets_the_same_answer_and_no_mail(api, factory, sessionmaker):
    await factory.account()

    data = await api.data(REQUEST_RESET, {"email": "nobody@nowhere.example"})

    assert data == {"requestPasswordReset": {"ok": True}}
    assert await _reset_mails(sessionmaker) == []


async def test_reset_requests_are_throttled_like_login(api, factory):
    acme = await factory.account()
    for _ in range(4):
        assert (await api.data(REQUEST_RESET, {"email": acme.owner.email}))["requestPasswordReset"][
            "ok"
        ]

    codes = await api.error_codes(REQUEST_RESET, {"email": acme.owner.email})

    assert codes == ["RATE_LIMITED"]


async def test_a_wrong_reset_token_changes_nothing(api, factory):
    acme = await factory.account()

    payload = (await api.data(RESET, {"token": "nope", "password": NEW_PASSWORD}))["resetPassword"]

    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_TOKEN"]
    assert (await api.data(VIEWER, token=acme.owner.token))["viewer"]["email"]


async def test_login_rehashes_a_password_hashed_with_old_parameters(api, factory, sessionmaker):
    acme = await factory.account()
    weak_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with sessionmaker.begin() as session:
        user = await session.get(User, acme.owner.id)
        user.password_hash = weak_hash

    assert (await _login(api, acme.owner.email, PASSWORD))["token"]

    async with sessionmaker() as session:
        stored = await session.scalar(select(User.password_hash).where(User.id == acme.owner.id))
        live = await session.scalar(select(func.count()).select_from(AuthSession))
    assert stored != weak_hash
    assert not PasswordHasher().check_needs_rehash(stored)
    assert PasswordHasher().verify(stored, PASSWORD)
    assert live == 2


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("a" * 11, True),
        ("a" * 12 + "-fine-1", False),
        ("x" * 1024, False),
        ("x" * 1025, True),
        ("QWERTYUIOP123", True),  # in the shipped list, compared in lower case
        ("ana.lopez-rocks-2026", True),  # contains the email's local part
        ("see ANA.LOPEZ@example.com!", True),
        ("a-long-unusual-phrase", False),
    ],
)
def test_password_rule(password, refused):
    assert (password_problem(password, "ana.lopez@example.com") is not None) is refused
