"""Invitations: addUser mails a single-use, 7-day link; accepting it sets the password and signs
in. Mail goes through the outbox and a real SMTP server (aiosmtpd) in-process."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from db.models import AuditEvent, OutboxMessage, User, UserToken
from tests.auth.helpers import (
    ACCEPT,
    ADD_USER,
    LOGIN,
    NEW_PASSWORD,
    RESEND,
    REVOKE,
    VIEWER,
)


def _nina(**extra):
    return {"input": {"name": "Nina New", "email": "nina@acme.example", **extra}}


async def test_invited_user_accepts_the_mailed_link_and_signs_in(
    api, factory, services, smtp, sessionmaker
):
    acme = await factory.account(free_seats=1)
    added = (await api.data(ADD_USER, _nina(), token=acme.owner.token))["addUser"]
    assert added["userErrors"] == []
    invitation = added["user"]["invitation"]
    assert invitation["status"] == "PENDING"
    assert invitation["sentAt"] == "2026-03-15T12:00:00+00:00"
    assert invitation["expiresAt"] == "2026-03-22T12:00:00+00:00"

    assert await smtp.sender(services).deliver_due() == 1

    [mail] = smtp.inbox.messages
    assert mail["To"] == "nina@acme.example"
    [token] = smtp.inbox.tokens("accept-invitation")
    async with sessionmaker() as session:
        stored = (await session.scalars(select(UserToken.token_hash))).all()
        sent = (await session.scalars(select(OutboxMessage))).one()
    assert token not in stored  # only the hash is kept
    assert token not in sent.body  # the delivered mail's link is wiped from the outbox

    accepted = (await api.data(ACCEPT, {"token": token, "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]
    assert accepted["userErrors"] == []
    assert accepted["user"] == {"email": "nina@acme.example"}
    viewer = await api.data(VIEWER, token=accepted["token"])
    assert viewer == {"viewer": {"email": "nina@acme.example"}}
    login = (await api.data(LOGIN, {"email": "nina@acme.example", "password": NEW_PASSWORD}))[
        "login"
    ]
    assert login["userErrors"] == []
    assert login["token"]


async def test_a_message_is_delivered_once(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    await api.data(ADD_USER, _nina(), token=acme.owner.token)
    first, second = smtp.sender(services), smtp.sender(services)

    assert await first.deliver_due() == 1
    assert await second.deliver_due() == 0

    assert len(smtp.inbox.messages) == 1


async def test_a_rolled_back_add_user_sends_nothing(api, factory, services, smtp, sessionmaker):
    acme = await factory.account()  # no free seat and no purchase allowed: refused
    payload = (await api.data(ADD_USER, _nina(), token=acme.owner.token))["addUser"]
    assert [e["code"] for e in payload["userErrors"]] == ["SEAT_PURCHASE_REQUIRED"]

    assert await smtp.sender(services).deliver_due() == 0
    assert smtp.inbox.messages == []
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await session.scalar(select(func.count()).select_from(UserToken)) == 0


async def _invite(api, acme, services, smtp) -> tuple[str, str]:
    added = (await api.data(ADD_USER, _nina(), token=acme.owner.token))["addUser"]
    await smtp.sender(services).deliver_due()
    return added["user"]["id"], smtp.inbox.tokens("accept-invitation")[-1]


async def _state(sessionmaker):
    async with sessionmaker() as session:
        user = (await session.scalars(select(User).where(User.email == "nina@acme.example"))).one()
        tokens = (await session.scalars(select(UserToken.state).order_by(UserToken.id))).all()
        accepts = await session.scalar(
            select(func.count()).where(AuditEvent.action == "invitation.accept")
        )
    return user.password_hash, [t.value for t in tokens], accepts


async def _accept_codes(api, token, password=NEW_PASSWORD):
    payload = (await api.data(ACCEPT, {"token": token, "password": password}))["acceptInvitation"]
    assert payload["token"] is None
    return [e["code"] for e in payload["userErrors"]]


async def test_a_used_token_is_refused_the_second_time(api, factory, services, smtp, sessionmaker):
    acme = await factory.account(free_seats=1)
    _, token = await _invite(api, acme, services, smtp)
    await api.data(ACCEPT, {"token": token, "password": NEW_PASSWORD})
    before = await _state(sessionmaker)

    assert await _accept_codes(api, token, "another-long-passphrase") == ["TOKEN_USED"]

    assert await _state(sessionmaker) == before


async def test_an_expired_token_is_refused_and_changes_nothing(
    api, factory, services, smtp, sessionmaker, clock
):
    acme = await factory.account(free_seats=1)
    _, token = await _invite(api, acme, services, smtp)
    before = await _state(sessionmaker)
    clock.advance(timedelta(days=7))

    assert await _accept_codes(api, token) == ["TOKEN_EXPIRED"]

    assert await _state(sessionmaker) == before
    assert before[0] is None


async def test_a_revoked_invitation_is_refused(api, factory, services, smtp, sessionmaker):
    acme = await factory.account(free_seats=1)
    user_id, token = await _invite(api, acme, services, smtp)
    revoked = (await api.data(REVOKE, {"userId": user_id}, token=acme.owner.token))[
        "revokeInvitation"
    ]
    assert revoked == {"invitation": {"status": "REVOKED"}, "userErrors": []}
    before = await _state(sessionmaker)

    assert await _accept_codes(api, token) == ["TOKEN_REVOKED"]

    assert await _state(sessionmaker) == before


async def test_a_wrong_token_is_refused(api, factory, services, smtp, sessionmaker):
    acme = await factory.account(free_seats=1)
    await _invite(api, acme, services, smtp)
    before = await _state(sessionmaker)

    assert await _accept_codes(api, "not-a-token") == ["INVALID_TOKEN"]

    assert await _state(sessionmaker) == before


async def test_resend_kills_the_old_link_and_mails_a_new_one(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    user_id, old = await _invite(api, acme, services, smtp)

    resent = (await api.data(RESEND, {"userId": user_id}, token=acme.owner.token))[
        "resendInvitation"
    ]
    assert resent["userErrors"] == []
    assert resent["invitation"]["status"] == "PENDING"
    await smtp.sender(services).deliver_due()
    new = smtp.inbox.tokens("accept-invitation")[-1]

    assert new != old
    assert await _accept_codes(api, old) == ["TOKEN_REVOKED"]
    accepted = (await api.data(ACCEPT, {"token": new, "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]
    assert accepted["userErrors"] == []


async def test_resend_is_throttled(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    user_id, _ = await _invite(api, acme, services, smtp)
    for _ in range(4):
        resent = await api.data(RESEND, {"userId": user_id}, token=acme.owner.token)
        assert resent["resendInvitation"]["userErrors"] == []

    codes = await api.error_codes(RESEND, {"userId": user_id}, token=acme.owner.token)

    assert codes == ["RATE_LIMITED"]


async def test_resend_is_refused_once_the_user_has_a_password(api, factory):
    acme = await factory.account()
    member = await factory.user(acme)

    payload = (await api.data(RESEND, {"userId": member.gid}, token=acme.owner.token))[
        "resendInvitation"
    ]

    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_STATE"]


async def test_only_admins_manage_invitations(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    member = await factory.user(acme)
    user_id, _ = await _invite(api, acme, services, smtp)

    for mutation, name in ((RESEND, "resendInvitation"), (REVOKE, "revokeInvitation")):
        payload = (await api.data(mutation, {"userId": user_id}, token=member.token))[name]
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]


async def test_weak_passwords_are_refused_on_accept(api, factory, services, smtp, sessionmaker):
    acme = await factory.account(free_seats=1)
    _, token = await _invite(api, acme, services, smtp)
    before = await _state(sessionmaker)

    for weak in ("short-pass", "x" * 1025, "Password1234", "my-nina@acme.example-pw"):
        assert await _accept_codes(api, token, weak) == ["WEAK_PASSWORD"], weak

    assert await _state(sessionmaker) == before


async def test_admins_find_users_with_a_pending_invitation(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    user_id, _ = await _invite(api, acme, services, smtp)
    query = """
    query($status: InvitationStatus!) {
      users(filter: {invitationStatus: $status}) { edges { node { id invitation { status } } } }
    }
    """

    pending = await api.data(query, {"status": "PENDING"}, token=acme.owner.token)
    accepted = await api.data(query, {"status": "ACCEPTED"}, token=acme.owner.token)

    assert pending["users"]["edges"] == [
        {"node": {"id": user_id, "invitation": {"status": "PENDING"}}}
    ]
    assert accepted["users"]["edges"] == []


async def test_regular_users_do_not_see_invitations(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    member = await factory.user(acme)
    user_id, _ = await _invite(api, acme, services, smtp)

    data = await api.data(
        "query($id: ID!) { node(id: $id) { ... on User { invitation { status } } } }",
        {"id": user_id},
        token=member.token,
    )

    assert data["node"] == {"invitation": None}


async def test_reactivating_a_user_who_never_accepted_invites_them_again(
    api, factory, services, smtp
):
    acme = await factory.account(free_seats=1)
    user_id, old = await _invite(api, acme, services, smtp)
    deactivate = (
        "mutation($id: ID!) { deactivateUser(input: {userId: $id}) { userErrors { code } } }"
    )
    reactivate = (
        "mutation($id: ID!) { reactivateUser(input: {userId: $id}) {"
        " user { invitation { status } } userErrors { code } } }"
    )
    assert (await api.data(deactivate, {"id": user_id}, token=acme.owner.token))["deactivateUser"][
        "userErrors"
    ] == []
    assert await _accept_codes(api, old) == ["TOKEN_REVOKED"]

    data = await api.data(reactivate, {"id": user_id}, token=acme.owner.token)

    assert data["reactivateUser"] == {
        "user": {"invitation": {"status": "PENDING"}},
        "userErrors": [],
    }
    await smtp.sender(services).deliver_due()
    assert len(smtp.inbox.tokens("accept-invitation")) == 2


async def test_invitations_of_a_page_of_users_cost_one_statement(api, factory, statements):
    acme = await factory.account(free_seats=30)
    for n in range(30):
        email = f"new{n}@acme.example"
        added = await api.data(
            ADD_USER, {"input": {"name": f"N{n}", "email": email}}, token=acme.owner.token
        )
        assert added["addUser"]["userErrors"] == []
    page = (
        "query($first: Int!) { users(first: $first) { edges { node { invitation { status } } } } }"
    )

    counts = []
    for first in (3, 31):
        statements.reset()
        data = await api.data(page, {"first": first}, token=acme.owner.token)
        counts.append(statements.count)
        assert len(data["users"]["edges"]) == first

    assert counts[0] == counts[1] == 3  # auth + page + invitations
    statuses = [e["node"]["invitation"] for e in data["users"]["edges"]]
    assert statuses[0] is None  # the owner was never invited
    assert {s["status"] for s in statuses[1:]} == {"PENDING"}


async def test_two_concurrent_accepts_of_one_token_set_one_password(
    api, factory, services, smtp, sessionmaker
):
    import asyncio

    acme = await factory.account(free_seats=1)
    _, token = await _invite(api, acme, services, smtp)

    first, second = await asyncio.gather(
        api.data(ACCEPT, {"token": token, "password": "first-long-passphrase"}),
        api.data(ACCEPT, {"token": token, "password": "second-long-passphrase"}),
    )

    payloads = [first["acceptInvitation"], second["acceptInvitation"]]
    assert sorted(bool(p["token"]) for p in payloads) == [False, True]
    assert [e["code"] for p in payloads for e in p["userErrors"]] == ["TOKEN_USED"]
    _, states, accepts = await _state(sessionmaker)
    assert (states, accepts) == (["USED"], 1)


async def test_an_admin_of_another_account_cannot_use_up_the_resends(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    user_id, _ = await _invite(api, acme, services, smtp)
    evil = await factory.account(name="Evil Inc")
    for _ in range(6):
        await api.execute(RESEND, {"userId": user_id}, token=evil.owner.token)

    resent = await api.data(RESEND, {"userId": user_id}, token=acme.owner.token)

    assert resent["resendInvitation"]["userErrors"] == []


async def test_a_resend_drops_the_unsent_mail_with_the_dead_link(
    api, factory, services, smtp, sessionmaker
):
    from db.models import OutboxMessage

    acme = await factory.account(free_seats=1)
    added = (await api.data(ADD_USER, _nina(), token=acme.owner.token))["addUser"]
    user_id = added["user"]["id"]
    await api.data(RESEND, {"userId": user_id}, token=acme.owner.token)  # before any delivery

    async with sessionmaker() as session:
        queued = (await session.scalars(select(OutboxMessage.id))).all()
    assert len(queued) == 1  # only the mail with the live link is left to send
    assert await smtp.sender(services).deliver_due() == 1
    [token] = smtp.inbox.tokens("accept-invitation")
    accepted = (await api.data(ACCEPT, {"token": token, "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]
    assert accepted["userErrors"] == []
