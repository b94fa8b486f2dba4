"""The demo has one user with a pending invitation whose mail waits in the outbox."""

from __future__ import annotations

from db.demo import DEMO_PASSWORD, INVITED_EMAIL, seed_demo
from tests.auth.helpers import ACCEPT, LOGIN, NEW_PASSWORD

PENDING = """
{ users(filter: {invitationStatus: PENDING}) {
    edges { node { email invitation { status sentAt expiresAt } } } } }
"""


async def test_the_demo_invitee_is_pending_and_accepts_the_queued_mail(
    api, sessionmaker, clock, services, smtp
):
    await seed_demo(sessionmaker, now=clock.now(), public_url="http://demo.test")
    owner = (await api.data(LOGIN, {"email": "owner@acme.example", "password": DEMO_PASSWORD}))[
        "login"
    ]["token"]

    pending = await api.data(PENDING, token=owner)

    assert [e["node"]["email"] for e in pending["users"]["edges"]] == [INVITED_EMAIL]
    assert pending["users"]["edges"][0]["node"]["invitation"] == {
        "status": "PENDING",
        "sentAt": "2026-03-14T12:00:00+00:00",
        "expiresAt": "2026-03-21T12:00:00+00:00",
    }
    assert await smtp.sender(services).deliver_due() == 1
    [token] = smtp.inbox.tokens("accept-invitation")
    assert "http://demo.test/accept-invitation?token=" in str(smtp.inbox.messages[0])
    accepted = (await api.data(ACCEPT, {"token": token, "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]
    assert accepted["userErrors"] == []
    assert (await api.data(LOGIN, {"email": INVITED_EMAIL, "password": NEW_PASSWORD}))["login"][
        "token"
    ]
