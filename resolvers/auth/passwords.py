"""Changing and resetting passwords (SPEC "Signing in").

* ``changePassword`` needs the current password; every other session of the user ends.
* ``requestPasswordReset`` answers the same whatever the email (no account enumeration) and is
  throttled per email and per client address; each active user with that email and a password
  gets a mail with a one-hour, single-use link (a newer request kills the older link). A user
  who never set a password gets nothing: their way in is the invitation an admin can resend.
* ``resetPassword`` sets the password and ends every session of the user.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import UserStatus, UserTokenPurpose
from db.models import AuthSession, User
from resolvers import audit, mail
from resolvers.auth import revoke_sessions
from resolvers.auth import tokens as user_tokens
from resolvers.auth.security import verify_password
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import encode_global_id
from resolvers.rate_limits import throttle_check
from resolvers.rules.auth import PASSWORD_RESET_TTL, password_problem


def _check_new_password(password: str, email: str | None, field: list[str]) -> None:
    problem = password_problem(password, email)
    if problem is not None:
        raise BusinessError.of(ErrorCode.WEAK_PASSWORD, problem, field)


async def change_password(ctx: RequestContext, current: str, new: str) -> int:
    """Returns how many other sessions were ended."""
    viewer = ctx.viewer
    # A stolen session must not become an online guessing oracle for the password.
    await throttle_check(ctx, "password.change", str(viewer.user_id))
    async with ctx.db.read() as session:
        user = (await session.scalars(select(User).where(User.id == viewer.user_id))).one()
        old_hash, email = user.password_hash, user.email
    if not await asyncio.to_thread(verify_password, old_hash, current):
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            "The current password is not correct.",
            ["input", "currentPassword"],
        )
    _check_new_password(new, email, ["input", "newPassword"])
    new_hash = await user_tokens.hash_off_loop(new)
    async with ctx.db.write() as session:
        await session.execute(
            update(User)
            .where(User.id == viewer.user_id)
            .values(password_hash=new_hash)
            .execution_options(synchronize_session=False)
        )
        result = await session.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id == viewer.user_id,
                AuthSession.id != viewer.session_id,
                AuthSession.revoked_at.is_(None),
            )
            .values(revoked_at=ctx.now)
        )
        revoked = int(result.rowcount)  # type: ignore[attr-defined]
        await user_tokens.revoke_pending(
            session, [viewer.user_id], ctx.now, UserTokenPurpose.PASSWORD_RESET
        )
        audit.record_for(
            session,
            ctx,
            "user.change_password",
            encode_global_id("User", viewer.user_id),
            {"sessions_revoked": revoked},
        )
    return revoked


async def request_password_reset(ctx: RequestContext, email: str) -> None:
    normalized = email.strip().lower()
    await throttle_check(ctx, "password_reset.email", normalized)
    if ctx.client_address:
        await throttle_check(ctx, "password_reset.address", ctx.client_address)
    async with ctx.db.write() as session:
        users = (
            await session.scalars(
                select(User)
                .where(
                    User.email_normalized == normalized,
                    User.status == UserStatus.ACTIVE,
                    User.password_hash.is_not(None),
                )
                .order_by(User.id)
                .with_for_update()
            )
        ).all()
        for user in users:
            await _mail_reset_link(session, ctx, user)


async def _mail_reset_link(session: AsyncSession, ctx: RequestContext, user: User) -> None:
    issued = await user_tokens.issue(
        session, user, UserTokenPurpose.PASSWORD_RESET, PASSWORD_RESET_TTL, ctx.now
    )
    reset_link = mail.link(ctx.settings, "reset-password", issued.token)
    mail.enqueue(
        session,
        account_id=user.account_id,
        user_id=user.id,
        kind=user_tokens.MAIL_KIND[UserTokenPurpose.PASSWORD_RESET],
        recipient=user.email or "",
        subject="Reset your CRM password",
        body=(
            f"Hello {user.name or ''},\n\n"
            "Someone (hopefully you) asked to reset your CRM password. Choose a new one here:\n\n"
            f"{reset_link}\n\n"
            "The link works once and expires in one hour. If you did not ask for it, ignore "
            "this mail: your password stays as it is.\n"
        ),
        now=ctx.now,
    )
    audit.record(
        session,
        account_id=user.account_id,
        actor_user_id=None,
        action="user.request_password_reset",
        target_id=encode_global_id("User", user.id),
        occurred_at=ctx.now,
        details={"reset": issued.row.id},
    )


async def reset_password(ctx: RequestContext, token: str, password: str) -> int:
    """Returns how many sessions were ended (all of the user's)."""
    async with ctx.db.read() as session:
        user = await user_tokens.peek(session, token, UserTokenPurpose.PASSWORD_RESET, ctx.now)
    _check_new_password(password, user.email, ["input", "password"])
    new_hash = await user_tokens.hash_off_loop(password)
    async with ctx.db.write() as session:
        reset, user = await user_tokens.use(
            session, token, UserTokenPurpose.PASSWORD_RESET, ctx.now
        )
        user.password_hash = new_hash
        revoked = await revoke_sessions(session, [user.id], ctx.now)
        audit.record(
            session,
            account_id=user.account_id,
            actor_user_id=user.id,
            action="user.reset_password",
            target_id=encode_global_id("User", user.id),
            occurred_at=ctx.now,
            details={"reset": reset.id, "sessions_revoked": revoked},
        )
    return revoked
