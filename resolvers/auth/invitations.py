"""Invitations (SPEC "Signing in"): a user added by an admin sets a password by accepting one.

``addUser`` (and ``reactivateUser`` for a user who never set a password) calls ``invite`` in its
own transaction, so the invitation, its mail and the new user commit or roll back together.
Audit details carry ids and counts only.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import UserStatus, UserTokenPurpose, UserTokenState
from db.models import AuthSession, User, UserToken
from resolvers import audit, mail
from resolvers.auth import LoginResult, viewer_of
from resolvers.auth import tokens as user_tokens
from resolvers.auth.security import hash_token, new_token
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.locking import lock_user
from resolvers.permissions import require_admin
from resolvers.rate_limits import throttle_check
from resolvers.rules.auth import INVITATION_TTL, password_problem


async def invite(session: AsyncSession, ctx: RequestContext, user: User, cause: str) -> UserToken:
    """A new invitation (earlier ones die) and its mail, in the caller's transaction."""
    issued = await user_tokens.issue(
        session, user, UserTokenPurpose.INVITATION, INVITATION_TTL, ctx.now
    )
    accept_link = mail.link(ctx.settings, "accept-invitation", issued.token)
    mail.enqueue(
        session,
        account_id=user.account_id,
        user_id=user.id,
        kind=user_tokens.MAIL_KIND[UserTokenPurpose.INVITATION],
        recipient=user.email or "",
        subject="You are invited to the CRM",
        body=(
            f"Hello {user.name or ''},\n\n"
            "An administrator invited you to the CRM. Choose your password here:\n\n"
            f"{accept_link}\n\n"
            f"The link works once and expires on {issued.row.expires_at:%Y-%m-%d %H:%M} UTC.\n"
        ),
        now=ctx.now,
    )
    audit.record_for(
        session,
        ctx,
        "invitation.send",
        encode_global_id("User", user.id),
        {"cause": cause, "invitation": issued.row.id},
    )
    return issued.row


def needs_invitation(user: User) -> bool:
    """A user who has never set a password can only come in through an invitation."""
    return user.password_hash is None and user.email is not None


# --------------------------------------------------------------------------- admin side


async def _lock_invitee(session: AsyncSession, ctx: RequestContext, user_gid: str) -> User:
    return await lock_user(session, ctx.viewer.account_id, user_gid, ["input", "userId"])


_ADMINS_ONLY = "Only account admins can manage invitations."


async def resend_invitation(ctx: RequestContext, user_gid: str) -> tuple[User, UserToken]:
    require_admin(ctx, _ADMINS_ONLY)
    # Keyed by the viewer's account and the decoded id (other spellings of one id share the
    # limit): an admin of another account cannot use up this account's resends.
    user_pk = decode_typed_id(user_gid, "User")
    await throttle_check(ctx, "invitation.resend", f"{ctx.viewer.account_id}:{user_pk}")
    async with ctx.db.write() as session:
        user = await _lock_invitee(session, ctx, user_gid)
        if user.status is not UserStatus.ACTIVE:
            raise BusinessError.of(
                ErrorCode.INVALID_STATE,
                "Only active users can be invited: reactivate the user first.",
                ["input", "userId"],
            )
        if not needs_invitation(user):
            raise BusinessError.of(
                ErrorCode.INVALID_STATE,
                "This user has already set a password and can sign in.",
                ["input", "userId"],
            )
        invitation = await invite(session, ctx, user, "resend")
    return user, invitation


async def revoke_invitation(ctx: RequestContext, user_gid: str) -> tuple[User, UserToken]:
    require_admin(ctx, _ADMINS_ONLY)
    async with ctx.db.write() as session:
        user = await _lock_invitee(session, ctx, user_gid)
        pending = (
            await session.scalars(
                select(UserToken)
                .where(
                    UserToken.user_id == user.id,
                    UserToken.purpose == UserTokenPurpose.INVITATION,
                    UserToken.state == UserTokenState.PENDING,
                    UserToken.expires_at > ctx.now,
                )
                .with_for_update()
            )
        ).first()
        if pending is None:
            raise BusinessError.of(
                ErrorCode.INVALID_STATE,
                "This user has no pending invitation.",
                ["input", "userId"],
            )
        pending.state = UserTokenState.REVOKED
        pending.revoked_at = ctx.now
        audit.record_for(
            session,
            ctx,
            "invitation.revoke",
            encode_global_id("User", user.id),
            {"invitation": pending.id},
        )
    return user, pending


# --------------------------------------------------------------------------- invitee side


async def accept_invitation(ctx: RequestContext, token: str, password: str) -> LoginResult:
    """Set the password, mark the invitation accepted, open a session (like ``login``)."""
    async with ctx.db.read() as session:
        user = await user_tokens.peek(session, token, UserTokenPurpose.INVITATION, ctx.now)
    problem = password_problem(password, user.email)
    if problem is not None:
        raise BusinessError.of(ErrorCode.WEAK_PASSWORD, problem, ["input", "password"])
    password_hash = await user_tokens.hash_off_loop(password)
    session_token = new_token()
    async with ctx.db.write() as session:
        # Checked again under lock: two concurrent accepts of one token, only one wins.
        invitation, user = await user_tokens.use(
            session, token, UserTokenPurpose.INVITATION, ctx.now
        )
        user.password_hash = password_hash
        auth_session = AuthSession(
            account_id=user.account_id,
            user_id=user.id,
            token_hash=hash_token(session_token),
            created_at=ctx.now,
            expires_at=ctx.now + ctx.settings.session_ttl,
        )
        session.add(auth_session)
        await session.flush()
        audit.record(
            session,
            account_id=user.account_id,
            actor_user_id=user.id,
            action="invitation.accept",
            target_id=encode_global_id("User", user.id),
            occurred_at=ctx.now,
            details={"invitation": invitation.id},
        )
    return LoginResult(token=session_token, user=user, viewer=viewer_of(user, auth_session.id))


# --------------------------------------------------------------------------- reading
