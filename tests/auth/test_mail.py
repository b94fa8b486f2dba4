"""The outbox sender: real SMTP delivery, retries with back-off, one delivery per message even
with two senders on one database, leases that outlive a crashed sender, the log fallback."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from config import Settings
from db.enums import OutboxStatus
from db.models import OutboxMessage
from resolvers import mail
from resolvers.context import Services
from resolvers.mail import (
    MAX_ATTEMPTS,
    LogTransport,
    MailSender,
    SmtpTarget,
    SmtpTransport,
    transport_for,
)
from resolvers.rules.auth import next_attempt_delay
from server import create_app
from tests.auth.helpers import free_port


async def _queue(factory, sessionmaker, count=1):
    acme = await factory.account()
    async with sessionmaker.begin() as session:
        for n in range(count):
            mail.enqueue(
                session,
                account_id=acme.id,
                user_id=acme.owner.id,
                kind="test",
                recipient=f"to{n}@acme.example",
                subject=f"Message {n}",
                body="Hello",
                now=factory.now,
            )
    return acme


async def _rows(sessionmaker):
    async with sessionmaker() as session:
        return (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()


async def test_two_senders_on_one_database_deliver_each_message_once(
    factory, sessionmaker, services, smtp
):
    await _queue(factory, sessionmaker, count=30)
    senders = [smtp.sender(services) for _ in range(3)]

    counts = await asyncio.gather(*(sender.deliver_due() for sender in senders))

    assert sum(counts) == 30
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(
        f"to{n}@acme.example" for n in range(30)
    )
    assert {row.status for row in await _rows(sessionmaker)} == {OutboxStatus.SENT}


async def test_a_failed_delivery_is_retried_later_with_back_off(
    factory, sessionmaker, services, smtp, clock
):
    await _queue(factory, sessionmaker)
    down = SmtpTransport(SmtpTarget.parse(f"smtp://127.0.0.1:{free_port()}"))
    failing = MailSender(sessionmaker, clock, down, "crm@test.example")

    assert await failing.deliver_due() == 0
    [row] = await _rows(sessionmaker)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.next_attempt_at == clock.now() + mail.RETRY_BASE
    assert row.last_error

    assert await smtp.sender(services).deliver_due() == 0  # not due yet
    clock.advance(mail.RETRY_BASE)
    assert await failing.deliver_due() == 0
    [row] = await _rows(sessionmaker)
    assert row.next_attempt_at == clock.now() + 2 * mail.RETRY_BASE  # doubled

    clock.advance(2 * mail.RETRY_BASE)
    assert await smtp.sender(services).deliver_due() == 1
    [row] = await _rows(sessionmaker)
    assert (row.status, row.attempts, row.body) == (OutboxStatus.SENT, 3, "")
    assert len(smtp.inbox.messages) == 1


async def test_the_sender_gives_up_after_the_last_attempt(factory, sessionmaker, clock):
    await _queue(factory, sessionmaker)
    down = SmtpTransport(SmtpTarget.parse(f"smtp://127.0.0.1:{free_port()}"))
    failing = MailSender(sessionmaker, clock, down, "crm@test.example")

    for _ in range(MAX_ATTEMPTS):
        await failing.deliver_due()
        clock.advance(mail.RETRY_CAP)

    [row] = await _rows(sessionmaker)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert await failing.deliver_due() == 0


async def test_a_claim_whose_lease_ran_out_is_delivered_by_another_sender(
    factory, sessionmaker, services, smtp, clock
):
    await _queue(factory, sessionmaker)

    class Crashes:
        async def deliver(self, sender, envelope):
            raise asyncio.CancelledError  # the process dies mid-delivery

    crashed = MailSender(sessionmaker, clock, Crashes(), "crm@test.example")
    with pytest.raises(asyncio.CancelledError):
        await crashed.deliver_due()
    assert await smtp.sender(services).deliver_due() == 0  # still claimed

    clock.advance(mail.CLAIM_LEASE)
    assert await smtp.sender(services).deliver_due() == 1
    assert len(smtp.inbox.messages) == 1


async def test_without_smtp_url_the_mail_and_its_link_are_logged(
    factory, sessionmaker, clock, caplog
):
    await _queue(factory, sessionmaker)
    assert isinstance(transport_for(Settings()), LogTransport)
    sender = MailSender(sessionmaker, clock, LogTransport(), "crm@test.example")

    with caplog.at_level(logging.WARNING, logger="crm_admin.mail"):
        assert await sender.deliver_due() == 1

    assert "to0@acme.example" in caplog.text
    assert "Hello" in caplog.text


async def test_the_server_runs_the_sender_for_its_lifetime(
    engine, sessionmaker, clock, factory, smtp
):
    await _queue(factory, sessionmaker)
    settings = Settings(smtp_url=smtp.url, mail_from="crm@test.example")
    services = Services(settings=settings, engine=engine, sessionmaker=sessionmaker, clock=clock)
    app = create_app(services=services)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/healthz")).status_code == 200
        for _ in range(100):
            if smtp.inbox.messages:
                break
            await asyncio.sleep(0.05)

    assert [m["From"] for m in smtp.inbox.messages] == ["crm@test.example"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example:2525", ("mail.example", 2525, False, False, None, None)),
        (
            "smtp://u%40x:p%3Aw@mail.example?starttls=true",
            ("mail.example", 25, False, True, "u@x", "p:w"),
        ),
        ("smtps://mail.example", ("mail.example", 465, True, False, None, None)),
    ],
)
def test_smtp_url(url, expected):
    t = SmtpTarget.parse(url)
    assert (t.host, t.port, t.use_tls, t.start_tls, t.username, t.password) == expected


def test_a_bad_smtp_url_is_refused():
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpTarget.parse("http://mail.example")


def test_links_start_with_the_public_url():
    settings = Settings(public_url="https://crm.example/app/")
    assert mail.link(settings, "accept-invitation", "a b") == (
        "https://crm.example/app/accept-invitation?token=a+b"
    )


def test_retry_delays_grow_then_stop_at_the_cap():
    delays = [
        next_attempt_delay(n, timedelta(seconds=30), timedelta(minutes=5)) for n in (1, 2, 3, 5, 9)
    ]
    assert [d.total_seconds() for d in delays] == [30, 60, 120, 300, 300]
