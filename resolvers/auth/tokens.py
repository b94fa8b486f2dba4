"""Single-use tokens mailed to users (invitations, password resets): issue, check, use, revoke.

The raw token exists only in the mail (``resolvers/mail.py`` wipes the body once sent); the table
keeps its SHA-256, like sessions. At most one token per user and purpose is live: issuing a new
one revokes the earlier ones.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import OutboxStatus, UserStatus, UserTokenPurpose, UserTokenState
from db.models import OutboxMessage, User, UserToken
from resolvers.auth.security import hash_password, hash_token, new_token
from resolvers.errors import BusinessError, ErrorCode


@dataclass(frozen=True)
class IssuedToken:
    row: UserToken
    #: The raw token, for the mail only.
    token: str


async def issue(
    session: AsyncSession,
    user: User,
    purpose: UserTokenPurpose,
    ttl: timedelta,
    now: datetime,
) -> IssuedToken:
    await revoke_pending(session, [user.id], now, purpose)
    token = new_token()
    row = UserToken(
        account_id=user.account_id,
        user_id=user.id,
        purpose=purpose,
        state=UserTokenState.PENDING,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    await session.flush()
    return IssuedToken(row=row, token=token)


#: The outbox kind of the mail that carries each purpose's token.
MAIL_KIND = {
    UserTokenPurpose.INVITATION: "invitation",
    UserTokenPurpose.PASSWORD_RESET: "password_reset",
}


async def revoke_pending(
    session: AsyncSession,
    user_ids: list[int],
    now: datetime,
    purpose: UserTokenPurpose | None = None,
) -> int:
    """Revoke the users' live tokens (of one purpose, or all); returns how many."""
    if not user_ids:
        return 0
    query = update(UserToken).where(
        UserToken.user_id.in_(user_ids), UserToken.state == UserTokenState.PENDING
    )
    if purpose is not None:
        query = query.where(UserToken.purpose == purpose)
    result = await session.execute(
        query.values(state=UserTokenState.REVOKED, revoked_at=now).execution_options(
            synchronize_session=False
        )
    )
    # Mails still waiting with a link that just died are not sent (and their raw token goes).
    unsent = delete(OutboxMessage).where(
        OutboxMessage.user_id.in_(user_ids), OutboxMessage.status == OutboxStatus.PENDING
    )
    if purpose is not None:
        unsent = unsent.where(OutboxMessage.kind == MAIL_KIND[purpose])
    await session.execute(unsent.execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


_FIELD = ["input", "token"]


def _refusal(token: UserToken | None, user: User | None, now: datetime) -> BusinessError | None:
    if token is None or user is None:
        return BusinessError.of(
            ErrorCode.INVALID_TOKEN,
            "This link is not valid: check that it was copied whole.",
            _FIELD,
        )
    if token.state is UserTokenState.USED:
        return BusinessError.of(ErrorCode.TOKEN_USED, "This link has already been used.", _FIELD)
    if token.state is UserTokenState.REVOKED or user.status is not UserStatus.ACTIVE:
        return BusinessError.of(
            ErrorCode.TOKEN_REVOKED,
            "This link was withdrawn or replaced by a newer one: use the newest mail.",
            _FIELD,
        )
    if token.expires_at <= now:
        return BusinessError.of(
            ErrorCode.TOKEN_EXPIRED, "This link has expired: ask for a new one.", _FIELD
        )
    return None


async def peek(session: AsyncSession, token: str, purpose: UserTokenPurpose, now: datetime) -> User:
    """The user a live token belongs to (read only); a ``BusinessError`` otherwise."""
    row = (
        await session.execute(
            select(UserToken, User)
            .join(User, User.id == UserToken.user_id)
            .where(UserToken.token_hash == hash_token(token), UserToken.purpose == purpose)
        )
    ).first()
    token_row: UserToken | None = row[0] if row is not None else None
    user: User | None = row[1] if row is not None else None
    refusal = _refusal(token_row, user, now)
    if refusal is not None:
        raise refusal
    assert user is not None
    return user


async def use(
    session: AsyncSession, token: str, purpose: UserTokenPurpose, now: datetime
) -> tuple[UserToken, User]:
    """Lock the token and its user, check them again, and mark the token used (single use)."""
    token_row = (
        await session.scalars(
            select(UserToken)
            .where(UserToken.token_hash == hash_token(token), UserToken.purpose == purpose)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    user = None
    if token_row is not None:
        user = (
            await session.scalars(
                select(User)
                .where(User.id == token_row.user_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one()
    refusal = _refusal(token_row, user, now)
    if refusal is not None:
        raise refusal
    assert token_row is not None
    assert user is not None
    token_row.state = UserTokenState.USED
    token_row.used_at = now
    return token_row, user


async def hash_off_loop(password: str) -> str:
    """argon2 is deliberately slow: hash in a thread so other requests keep flowing."""
    return await asyncio.to_thread(hash_password, password)
