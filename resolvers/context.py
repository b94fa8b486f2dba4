"""The typed per-request context: viewer, database access, loaders and the request's clock.

One request = one set of loaders, one viewer, one instant. Database access goes through
``RequestDatabase``: graphql-core resolves sibling fields concurrently and Strawberry runs each
DataLoader batch as its own task, but one ``AsyncSession`` must never be used by two tasks at once,
so every use of the request's session holds a per-request lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config import Settings
from db.engine import WRITE_TRANSACTION
from db.enums import Role
from resolvers.clock import Clock
from resolvers.errors import forbidden, unauthenticated

if TYPE_CHECKING:
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

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class RequestDatabase:
    """One lazily opened session per request, used by one task at a time."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._closed = False

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
    async def write(self) -> AsyncIterator[AsyncSession]:
        """An explicit write transaction: committed on success, rolled back on any exception."""
        async with self._lock:
            session = self._current()
            if session.in_transaction():
                # End the read snapshot so the writer starts from the newest committed state.
                await session.commit()
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    async def close(self) -> None:
        """Close after any in-flight use (the lock waits for it)."""
        async with self._lock:
            self._closed = True
            if self._session is not None:
                await self._session.close()
                self._session = None


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
        from resolvers.loaders import Loaders

        self.loaders = Loaders(self)

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

    def require_admin(self) -> Viewer:
        viewer = self.viewer
        if not viewer.is_admin:
            raise forbidden()
        return viewer
