"""Mail that really leaves: a transactional outbox and the sender task that drains it.

* ``enqueue`` adds an ``OutboxMessage`` in the caller's transaction: a rolled-back mutation leaves
  no row, so it sends nothing.
* ``MailSender`` (started in the server's lifespan) claims due rows with one conditional UPDATE
  and a lease, delivers them, and marks them sent; a failure is retried with exponential
  back-off, up to ``MAX_ATTEMPTS``. Two app instances on one database never claim the same row:
  the claim re-checks the row's state in the UPDATE itself (PostgreSQL re-evaluates the WHERE on
  a row another transaction just changed; SQLite serialises writers), and PostgreSQL skips rows
  another claimer holds locked. A sender that dies mid-delivery leaves rows whose lease runs
  out; they are claimed again then (so a crash between "delivered" and "marked sent" can, rarely,
  send a message twice: the usual at-least-once edge of an outbox).
* Delivery is SMTP through ``aiosmtplib`` (``SMTP_URL``); without it, the message and its link
  are logged instead (the demo).
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import aiosmtplib
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from db.engine import WRITE_TRANSACTION
from db.enums import OutboxStatus
from db.models import OutboxMessage
from resolvers.clock import Clock
from resolvers.rules.auth import next_attempt_delay

logger = logging.getLogger("crm_admin.mail")

MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
#: Longer than any SMTP exchange (the client times out first), so a live claim never lapses.
CLAIM_LEASE = timedelta(minutes=5)
CLAIM_BATCH = 20
SMTP_TIMEOUT_SECONDS = 30.0


# --------------------------------------------------------------------------- writing mail


def link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/{path}?{urlencode({'token': token})}"


def enqueue(
    session: AsyncSession,
    *,
    account_id: int,
    user_id: int | None,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    now: datetime,
) -> OutboxMessage:
    """Queue a mail in the caller's transaction (it leaves only if that commits)."""
    message = OutboxMessage(
        account_id=account_id,
        user_id=user_id,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message


# --------------------------------------------------------------------------- transports


@dataclass(frozen=True)
class Envelope:
    recipient: str
    subject: str
    body: str


class Transport(Protocol):
    async def deliver(self, sender: str, envelope: Envelope) -> None: ...


@dataclass(frozen=True)
class SmtpTarget:
    """``smtp://user:pass@host:port?starttls=true`` or ``smtps://host:port`` (TLS at once)."""

    host: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:port or smtps://...")
        use_tls = parts.scheme == "smtps"
        query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if use_tls else 25),
            use_tls=use_tls,
            start_tls=query.get("starttls") in {"1", "true", "yes", "on"},
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpTransport:
    def __init__(self, target: SmtpTarget) -> None:
        self.target = target

    async def deliver(self, sender: str, envelope: Envelope) -> None:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = envelope.recipient
        message["Subject"] = envelope.subject
        message.set_content(envelope.body)
        target = self.target
        await aiosmtplib.send(
            message,
            hostname=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            # False (not None): never upgrade on our own when the URL did not ask for it.
            start_tls=target.start_tls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )


class LogTransport:
    """No SMTP server configured: the mail (with its link) goes to the log, for the demo."""

    async def deliver(self, sender: str, envelope: Envelope) -> None:
        links = re.findall(r"https?://\S+", envelope.body)
        logger.warning(
            "mail not sent (no SMTP_URL): to=%s subject=%r link=%s\n%s",
            envelope.recipient,
            envelope.subject,
            " ".join(links) or "-",
            envelope.body,
        )


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(SmtpTarget.parse(settings.smtp_url))
    return LogTransport()


# --------------------------------------------------------------------------- the sender


@dataclass(frozen=True)
class _Claimed:
    id: int
    claim_id: str
    envelope: Envelope
    attempts: int


class MailSender:
    """Drains the outbox: ``deliver_due`` once, or ``run`` until cancelled."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        transport: Transport,
        mail_from: str,
        poll_interval: float = 2.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.transport = transport
        self.mail_from = mail_from
        self.poll_interval = poll_interval

    @classmethod
    def for_settings(
        cls,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
    ) -> MailSender:
        return cls(sessionmaker, clock, transport_for(settings), settings.mail_from)

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except Exception:  # the loop must outlive a database hiccup; the next poll retries
                logger.exception("mail sender pass failed")
            await asyncio.sleep(self.poll_interval)

    async def deliver_due(self) -> int:
        """Claim and deliver every due message; returns how many were delivered."""
        delivered = 0
        while True:
            claimed = await self._claim()
            if not claimed:
                return delivered
            for message in claimed:
                delivered += await self._deliver(message)

    async def _claim(self) -> list[_Claimed]:
        now = self.clock.now()
        claim_id = uuid.uuid4().hex
        due = or_(
            and_(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
            ),
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until <= now),
        )
        candidates = (
            select(OutboxMessage.id)
            .where(due)
            .order_by(OutboxMessage.id)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)
        )
        async with self._write() as session:
            await session.execute(
                update(OutboxMessage)
                # ``due`` again: a row another sender claimed meanwhile no longer matches.
                .where(OutboxMessage.id.in_(candidates.scalar_subquery()), due)
                .values(
                    status=OutboxStatus.SENDING,
                    claim_id=claim_id,
                    lease_until=now + CLAIM_LEASE,
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.claim_id == claim_id)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        return [
            _Claimed(row.id, claim_id, Envelope(row.recipient, row.subject, row.body), row.attempts)
            for row in rows
        ]

    async def _deliver(self, message: _Claimed) -> int:
        try:
            await self.transport.deliver(self.mail_from, message.envelope)
        except Exception as error:  # any SMTP/network failure is retried later
            await self._failed(message, error)
            return 0
        await self._finish(
            message,
            status=OutboxStatus.SENT,
            sent_at=self.clock.now(),
            body="",  # the link held a raw token: keep it no longer than needed
            lease_until=None,
            last_error=None,
        )
        return 1

    async def _failed(self, message: _Claimed, error: Exception) -> None:
        now = self.clock.now()
        gave_up = message.attempts >= MAX_ATTEMPTS
        logger.warning(
            "mail %s delivery attempt %s failed%s: %s",
            message.id,
            message.attempts,
            " (giving up)" if gave_up else "",
            type(error).__name__,
        )
        # A mail given up on is never sent: its link (a raw token) is wiped like a sent one's.
        wiped: dict[str, object] = {"body": ""} if gave_up else {}
        await self._finish(
            message,
            **wiped,
            status=OutboxStatus.FAILED if gave_up else OutboxStatus.PENDING,
            next_attempt_at=now + next_attempt_delay(message.attempts, RETRY_BASE, RETRY_CAP),
            lease_until=None,
            last_error=f"{type(error).__name__}: {error}"[:500],
        )

    async def _finish(self, message: _Claimed, **values: object) -> None:
        async with self._write() as session:
            await session.execute(
                update(OutboxMessage)
                # Only while our claim holds: never overwrite another sender's later claim.
                .where(OutboxMessage.id == message.id, OutboxMessage.claim_id == message.claim_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """A short write transaction of its own (BEGIN IMMEDIATE on SQLite)."""
        async with self.sessionmaker() as session:
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            yield session
            await session.commit()
