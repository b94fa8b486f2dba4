"""Throttling of guessable secrets (login, later password reset and invitations), in the database.

The state is one ``throttle_counters`` row per (scope, key), so every worker process and every
host shares it: N workers give an attacker no more attempts than one.

An attempt is *reserved* before the secret is checked: one write transaction upserts each of
its keys (counting the attempt as a failure up front) and refuses it when a key is still
blocked. Concurrent attempts therefore queue on the rows (PostgreSQL row locks, SQLite's write
lock) and see the limit after exactly as many attempts as sequential ones. A success gives its
own attempt back on every key, and only its own: clearing the counts instead would hand every
guess racing a real user's sign-in a fresh allowance.

Each key may fail ``free_failures`` times; after that each further failure doubles the wait
before the next attempt is even looked at (1 s, 2 s, 4 s ... capped). Records are forgotten
``forget_after`` the last failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, null, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ThrottleCounter

LOGIN = "login"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a scope name, not a secret


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    max_delay: timedelta = timedelta(minutes=5)
    forget_after: timedelta = timedelta(minutes=15)

    def delay_after(self, failures: int) -> timedelta | None:
        excess = failures - self.free_failures
        if excess <= 0:
            return None
        return min(timedelta(seconds=2 ** min(excess - 1, 20)), self.max_delay)


#: One email, from anywhere: the back-off users know (three free failures, then 1 s, 2 s ...).
EMAIL_POLICY = ThrottlePolicy(free_failures=3)
#: One email from one address: the same rule, so a single guesser meets it first.
ADDRESS_EMAIL_POLICY = ThrottlePolicy(free_failures=3)
#: All emails from one address: a ceiling far above one user's typos, so one bad actor behind a
#: shared proxy does not lock out everyone else behind it, while spraying many emails still stops.
ADDRESS_POLICY = ThrottlePolicy(free_failures=200)


@dataclass(frozen=True)
class ThrottleKey:
    kind: str
    value: str
    policy: ThrottlePolicy

    @property
    def stored(self) -> str:
        # A digest: fixed length whatever the client sent, and no email or address in clear.
        digest = hashlib.sha256(self.value.encode("utf-8", errors="surrogatepass")).hexdigest()
        return f"{self.kind}:{digest}"


class Throttled(Exception):
    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"throttled for {retry_after}")
        self.retry_after = retry_after


def login_keys(email: str, client_address: str | None) -> list[ThrottleKey]:
    normalized = email.strip().lower()
    keys = [ThrottleKey("email", normalized, EMAIL_POLICY)]
    if client_address:
        keys.append(
            ThrottleKey(
                "address-email",
                f"{client_address}\n{normalized}",
                ADDRESS_EMAIL_POLICY,
            )
        )
        keys.append(ThrottleKey("address", client_address, ADDRESS_POLICY))
    return keys


async def reserve(
    session: AsyncSession, scope: str, keys: list[ThrottleKey], now: datetime
) -> None:
    """Count one attempt on every key, or raise ``Throttled`` if any key is still blocked.

    Run inside a write transaction: when ``Throttled`` is raised the caller's rollback undoes the
    counting, so refused attempts do not lengthen anyone's wait.
    """
    waits = []
    # One key order for everybody, so two attempts sharing keys cannot deadlock on PostgreSQL.
    for key in sorted(keys, key=lambda k: k.stored):
        failures, blocked_until = await _count_failure(session, scope, key, now)
        if blocked_until is not None and blocked_until > now:
            waits.append(blocked_until - now)
            continue
        delay = key.policy.delay_after(failures)
        if delay is not None:
            await session.execute(
                update(ThrottleCounter)
                .where(ThrottleCounter.scope == scope, ThrottleCounter.key == key.stored)
                .values(blocked_until=now + delay)
            )
    if waits:
        raise Throttled(max(waits))


async def _count_failure(
    session: AsyncSession, scope: str, key: ThrottleKey, now: datetime
) -> tuple[int, datetime | None]:
    """One atomic upsert: a new row, a forgotten row started afresh, or one failure more.

    Returns the failures now counted and the block that was in force before this attempt.
    """
    table = ThrottleCounter
    forgotten = table.last_failure_at < now - key.policy.forget_after
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(
        scope=scope, key=key.stored, failures=1, last_failure_at=now, blocked_until=None
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["scope", "key"],
        set_={
            "failures": case((forgotten, 1), else_=table.failures + 1),
            "last_failure_at": now,
            "blocked_until": case((forgotten, null()), else_=table.blocked_until),
        },
    ).returning(table.failures, table.blocked_until)
    row = (await session.execute(upsert)).one()
    return int(row.failures), row.blocked_until


async def succeeded(
    session: AsyncSession, scope: str, keys: list[ThrottleKey], now: datetime
) -> None:
    """After a reserved attempt succeeded: give that one attempt back on each key (a key back
    within its free failures is unblocked)."""
    for key in keys:
        remaining = ThrottleCounter.failures - 1
        await session.execute(
            update(ThrottleCounter)
            .where(
                ThrottleCounter.scope == scope,
                ThrottleCounter.key == key.stored,
                ThrottleCounter.failures > 0,
            )
            .values(
                failures=remaining,
                blocked_until=case(
                    (remaining <= key.policy.free_failures, null()),
                    else_=ThrottleCounter.blocked_until,
                ),
            )
        )
    await forget_old(session, now)


async def forget_old(session: AsyncSession, now: datetime) -> None:
    """Drop records no policy remembers any more (an indexed range delete)."""
    longest = max(p.forget_after for p in (EMAIL_POLICY, ADDRESS_EMAIL_POLICY, ADDRESS_POLICY))
    await session.execute(
        delete(ThrottleCounter).where(ThrottleCounter.last_failure_at < now - longest)
    )
