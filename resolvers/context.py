"""The typed per-request context: viewer, database access, loaders and the request's clock.

One request = one set of loaders, one viewer, one instant. Database access goes through
``RequestDatabase``: graphql-core resolves sibling fields concurrently and Strawberry runs each
DataLoader batch as its own task, but one ``AsyncSession`` must never be used by two tasks at once,
so every use of the request's session holds a per-request lock.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from graphql import GraphQLError
from sqlalchemy import and_, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config import Settings
from db.engine import WRITE_TRANSACTION
from db.enums import Role
from db.models import Account, AuthSession
from resolvers.clock import Clock
from resolvers.errors import unauthenticated
from resolvers.loaders import Loaders


@dataclass(frozen=True)
class Services:
    """Application-wide collaborators, built once at start-up."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a plain snapshot taken when the token was checked, never an ORM row."""

    user_id: int
    account_id: int
    session_id: int
    role: Role
    is_account_owner: bool
    can_set_marketing_status: bool
    #: The account's next bill date when the token was checked (see ``server.get_context``).
    period_ends_at: datetime | None = None
    #: Set when an identity provider acts through a SCIM token (``resolvers.scim``): then there
    #: is no user behind the request (``user_id`` and ``session_id`` are 0) and the token is the
    #: audit actor.
    scim_token_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def actor_user_id(self) -> int | None:
        """The user to name as the actor of a change (none when a SCIM token acted)."""
        return None if self.scim_token_id is not None else self.user_id


#: A write transaction that lost a deadlock or a serialization conflict is run again from its
#: start, at most this many times in all (``with_write_retry``).
MAX_WRITE_ATTEMPTS = 4
#: PostgreSQL: serialization_failure, deadlock_detected.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_write_conflict(error: BaseException) -> bool:
    """A transient conflict between concurrent writers: worth running the transaction again."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if getattr(original, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    # SQLite: another writer kept the database past the busy timeout.
    return isinstance(error, OperationalError) and "database is locked" in str(original)


class SessionEnded(GraphQLError):
    """The viewer's session or account ended while the request was running (logout, a
    revocation, ``closeAccount``): the request is no longer authenticated."""

    def __init__(self) -> None:
        template = unauthenticated()
        super().__init__(
            "Your session has ended (signed out, revoked or the account closed). Sign in again.",
            extensions=template.extensions,
        )


@dataclass(frozen=True)
class _WriteGuard:
    account_id: int
    session_id: int | None


class RequestDatabase:
    """One lazily opened session per request, used by one task at a time.

    Lock order for every writer (so no two writers of an account can deadlock): the account row
    first (``write()`` takes it, FOR NO KEY UPDATE; ``closeAccount`` FOR UPDATE), then the
    subscription (``lock_billing``), then users by ascending id, then other rows.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self._guard: _WriteGuard | None = None
        #: Write transactions committed so far (a retry never repeats a committed one).
        self.commits = 0

    def guard_writes(self, account_id: int, session_id: int | None) -> None:
        """Every later write first locks this account and re-checks that the session is live."""
        self._guard = _WriteGuard(account_id, session_id)

    def _current(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessionmaker()
        return self._session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._closed:
                # graphql-core can finish a response while a sibling field's loader is still
                # pending (an error nulls the parent first); such a straggler gets a session of
                # its own instead of the closed one.
                async with self._sessionmaker() as session:
                    yield session
                return
            yield self._current()

    @asynccontextmanager
    async def write(
        self, *, account_id: int | None = None, exclusive: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """An explicit write transaction: committed on success, rolled back on any exception.

        It starts by locking the account (the guarded viewer's, or ``account_id``) and checking
        that it, and the viewer's session, still exist: a writer racing ``closeAccount`` or a
        revocation gets ``SessionEnded`` (UNAUTHENTICATED) instead of a database error.
        ``exclusive`` (closing the account) waits for every other writer of the account.
        """
        async with self._lock:
            session = self._current()
            try:
                if session.in_transaction():
                    # End the read snapshot so the writer starts from the newest committed state.
                    await session.commit()
                await session.connection(execution_options={WRITE_TRANSACTION: True})
                await self._lock_account(session, account_id, exclusive)
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            self.commits += 1

    async def _lock_account(
        self, session: AsyncSession, account_id: int | None, exclusive: bool
    ) -> None:
        guard = self._guard
        if account_id is not None:
            guard = _WriteGuard(account_id, None)
        if guard is None:
            return
        query = select(Account.id).where(Account.id == guard.account_id)
        if guard.session_id is not None:
            query = query.join(
                AuthSession,
                and_(
                    AuthSession.id == guard.session_id,
                    AuthSession.account_id == Account.id,
                    AuthSession.revoked_at.is_(None),
                ),
            )
        # Only the account row is locked (the session row stays free for revocations).
        query = query.with_for_update(of=Account, key_share=not exclusive)
        if (await session.execute(query)).first() is None:
            raise SessionEnded()

    async def close(self) -> None:
        """Close after any in-flight use (the lock waits for it)."""
        async with self._lock:
            self._closed = True
            if self._session is not None:
                await self._session.close()
                self._session = None


T = TypeVar("T")


async def with_write_retry(
    db: RequestDatabase,
    attempt: Callable[[], Awaitable[T]],
    *,
    before_retry: Callable[[], None] | None = None,
) -> T:
    """Run ``attempt`` (which writes through ``db.write()``), again from its start when its
    write transaction lost a deadlock or serialization conflict, at most
    ``MAX_WRITE_ATTEMPTS`` times. Never after a transaction of the attempt committed: what
    committed is not repeated."""
    for number in range(1, MAX_WRITE_ATTEMPTS + 1):
        committed = db.commits
        try:
            return await attempt()
        except Exception as error:
            if (
                number == MAX_WRITE_ATTEMPTS
                or db.commits != committed
                or not is_write_conflict(error)
            ):
                raise
        if before_retry is not None:
            before_retry()
        # A short, jittered pause lets the winner finish before the loser starts again.
        await asyncio.sleep(random.uniform(0.005, 0.02) * number)  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class RequestContext:
    services: Services
    db: RequestDatabase
    #: The request's instant: every rule in one request sees the same "now".
    now: datetime
    request_id: str
    client_address: str | None = None
    viewer_or_none: Viewer | None = None
    loaders: Loaders = field(init=False)
    #: Set by mutations that end the caller's own session (logout, closures).
    token_revoked: bool = False
    #: Per-request memo for single values read by several fields (e.g. the subscription).
    #: Mutations that change such a value drop its entry.
    memo: dict[str, object] = field(default_factory=dict)
    #: API objects built from rows this request, by (type name, key): see schema.users.user_object.
    objects: dict[tuple[str, int], tuple[object, object]] = field(default_factory=dict)
    #: ``schema.common.selects`` answers, by (field node id, field name).
    selection_memo: dict[tuple[int, str], bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self)

    def reset_for_retry(self) -> None:
        """Forget everything read by an attempt that rolled back: a retried write starts fresh."""
        self.loaders = Loaders(self)
        self.memo.clear()
        self.objects.clear()
        self.token_revoked = False

    def release(self) -> None:
        """Let the request's loaded data go when the response has been sent (see
        ``Loaders.release``): the HTTP layer calls this last."""
        self.loaders.release()
        self.memo.clear()
        self.objects.clear()
        self.selection_memo.clear()

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def viewer(self) -> Viewer:
        """The authenticated viewer; a GraphQL ``UNAUTHENTICATED`` error otherwise."""
        if self.viewer_or_none is None:
            raise unauthenticated()
        return self.viewer_or_none

    def require_viewer(self) -> Viewer:
        """Authenticate now (before validating arguments): same as ``viewer``, named for intent."""
        return self.viewer
