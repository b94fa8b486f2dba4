"""Sessions: checking a bearer token, logging in and out, revoking a user's sessions."""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import Role, UserStatus
from db.models import AuthSession, Subscription, User
from resolvers import audit, throttle
from resolvers.auth.security import (
    hash_password,
    hash_token,
    new_token,
    password_needs_rehash,
    verify_password,
)
from resolvers.context import RequestContext, Viewer
from resolvers.errors import RATE_LIMITED, BusinessError, ErrorCode, request_error
from resolvers.ids import encode_global_id
from resolvers.throttle import login_keys


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(session: AsyncSession, token: str, now: datetime) -> Viewer | None:
    """The viewer behind a token: one indexed lookup of a live session of an active user.

    The account's next bill date rides along (same statement) so a request can tell whether the
    billing period must roll over before anything is read. Every request asks this, so the
    statement is built once and reads columns, not a ``User`` entity.
    """
    # Columns only, through the session's connection: no ORM execution path per request.
    connection = await session.connection()
    found = await connection.execute(
        _viewer_lookup(), {"token_hash": hash_token(token), "now": now}
    )
    row = found.first()
    if row is None:
        return None
    return viewer_of(row, row.session_id, row.period_end)


@functools.cache
def _viewer_lookup() -> Select[Any]:
    return (
        select(
            AuthSession.id.label("session_id"),
            User.id,
            User.account_id,
            User.role,
            User.is_account_owner,
            User.can_set_marketing_status,
            Subscription.period_end,
        )
        .join(User, User.id == AuthSession.user_id)
        .outerjoin(Subscription, Subscription.account_id == User.account_id)
        .where(
            AuthSession.token_hash == bindparam("token_hash"),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > bindparam("now"),
            User.status == UserStatus.ACTIVE,
        )
    )


class ViewerColumns(Protocol):
    """What a viewer is made of: a ``User``, or a row of its columns (``authenticate``)."""

    @property
    def id(self) -> int: ...
    @property
    def account_id(self) -> int: ...
    @property
    def role(self) -> Role: ...
    @property
    def is_account_owner(self) -> bool: ...
    @property
    def can_set_marketing_status(self) -> bool: ...


def viewer_of(
    user: ViewerColumns, session_id: int, period_ends_at: datetime | None = None
) -> Viewer:
    return Viewer(
        user_id=user.id,
        account_id=user.account_id,
        session_id=session_id,
        role=user.role,
        is_account_owner=user.is_account_owner,
        can_set_marketing_status=user.can_set_marketing_status,
        period_ends_at=period_ends_at,
    )


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: User
    #: The new session's viewer, for the rest of the login request.
    viewer: Viewer


def _bad_credentials() -> BusinessError:
    return BusinessError.of(
        ErrorCode.UNAUTHENTICATED, "The email or password is not correct.", ["input", "password"]
    )


async def login(ctx: RequestContext, email: str, password: str) -> LoginResult:
    """Open a session for an active user whose password matches.

    The same email may exist in two accounts; the oldest user whose password verifies wins. A
    miss costs one password verification too, so timing does not tell emails apart. Repeated
    failures per email, per (address, email) and per address slow down (``resolvers.throttle``):
    the attempt is reserved before the password is checked, so a burst cannot race the limit.
    """
    keys = login_keys(email, ctx.client_address)
    try:
        async with ctx.db.write() as session:
            await throttle.reserve(session, throttle.LOGIN, keys, ctx.now)
    except throttle.Throttled as refused:
        seconds = max(1, math.ceil(refused.retry_after.total_seconds()))
        raise request_error(
            RATE_LIMITED,
            f"Too many failed sign-in attempts. Try again in {seconds} seconds.",
            extra={"retryAfter": seconds},
        ) from None
    matched = await _verified_user(ctx, email.strip().lower(), password)
    if matched is None:
        raise _bad_credentials()  # the attempt was counted when it was reserved
    token = new_token()
    rehashed = await _rehashed(matched, password)
    # Locks the user's account first, like every writer: a login racing closeAccount gets
    # UNAUTHENTICATED instead of a foreign-key failure.
    async with ctx.db.write(account_id=matched.account_id) as session:
        # The password was verified outside the transaction: a reset, a password change or a
        # deactivation that committed since then wins, or its revocation would miss this session.
        current = await session.scalar(
            select(User.password_hash)
            .where(User.id == matched.id, User.status == UserStatus.ACTIVE)
            .with_for_update()
        )
        if current is None or current != matched.password_hash:
            raise _bad_credentials()
        if rehashed is not None:  # parameters changed since it was hashed: store today's hash
            await session.execute(
                update(User).where(User.id == matched.id).values(password_hash=rehashed)
            )
        auth_session = AuthSession(
            account_id=matched.account_id,
            user_id=matched.id,
            token_hash=hash_token(token),
            created_at=ctx.now,
            expires_at=ctx.now + ctx.settings.session_ttl,
        )
        session.add(auth_session)
        await session.flush()
        await throttle.succeeded(session, throttle.LOGIN, keys, ctx.now)
        audit.record(
            session,
            account_id=matched.account_id,
            actor_user_id=matched.id,
            action="session.login",
            target_id=encode_global_id("User", matched.id),
            occurred_at=ctx.now,
        )
    return LoginResult(token=token, user=matched, viewer=viewer_of(matched, auth_session.id))


async def _rehashed(user: User, password: str) -> str | None:
    if user.password_hash is None or not password_needs_rehash(user.password_hash):
        return None
    return await asyncio.to_thread(hash_password, password)


async def _verified_user(ctx: RequestContext, normalized_email: str, password: str) -> User | None:
    async with ctx.db.read() as session:
        candidates = (
            await session.scalars(
                select(User)
                .where(User.email_normalized == normalized_email, User.status == UserStatus.ACTIVE)
                .order_by(User.id)
            )
        ).all()
    # argon2 is deliberately slow: verify off the event loop so other requests keep flowing.
    if not candidates:
        await asyncio.to_thread(verify_password, None, password)  # same cost as a miss
        return None
    for user in candidates:
        if await asyncio.to_thread(verify_password, user.password_hash, password):
            return user
    return None


async def logout(ctx: RequestContext) -> None:
    viewer = ctx.viewer
    async with ctx.db.write() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == viewer.session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=ctx.now)
        )
        audit.record_for(session, ctx, "session.logout", encode_global_id("User", viewer.user_id))
    ctx.token_revoked = True


async def revoke_sessions(session: AsyncSession, user_ids: Iterable[int], now: datetime) -> int:
    """Revoke every live session of these users (one statement); returns how many."""
    ids = list(user_ids)
    if not ids:
        return 0
    result = await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id.in_(ids), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
