"""Signing in: invitations and passwords (types, inputs, payloads, ``SignInMutation``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import models
from db.enums import InvitationStatus
from resolvers.auth import invitations, passwords
from resolvers.context import RequestContext
from resolvers.rules.auth import invitation_status
from schema.common import UserError
from schema.extensions import mutation
from schema.users import User


@strawberry.type(
    description="The newest invitation of a user (shown to admins and to the user themself)."
)
class Invitation:
    """The newest invitation of a user (shown to admins and to the user themself)."""

    status: InvitationStatus = strawberry.field(description="PENDING, ACCEPTED, EXPIRED, REVOKED.")
    sent_at: datetime = strawberry.field(description="When it was mailed (UTC, ISO-8601).")
    expires_at: datetime = strawberry.field(description="When its link stops working (UTC).")

    @classmethod
    def from_row(cls, row: models.UserToken, now: datetime) -> Invitation:
        return cls(
            status=invitation_status(row.state, row.expires_at, now),
            sent_at=row.created_at,
            expires_at=row.expires_at,
        )


# --------------------------------------------------------------------------- inputs


@strawberry.input(description="Whose invitation.")
class InvitationInput:
    user_id: strawberry.ID = strawberry.field(description="A user of the account (global id).")


@strawberry.input(description="The mailed invitation token and the password to set.")
class AcceptInvitationInput:
    token: str = strawberry.field(description="The token from the invitation link.")
    password: str = strawberry.field(
        description="12 to 1 024 characters, not a common password, not containing the email."
    )


@strawberry.input(description="The current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(
        description="The password now (INVALID_INPUT when wrong)."
    )
    new_password: str = strawberry.field(
        description="12 to 1 024 characters, not a common password, not containing the email."
    )


@strawberry.input(description="Where to send the reset link.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="Sign-in email (case-insensitive).")


@strawberry.input(description="The mailed reset token and the new password.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The token from the reset link (valid 1 hour).")
    password: str = strawberry.field(
        description="12 to 1 024 characters, not a common password, not containing the email."
    )


# --------------------------------------------------------------------------- payloads


@strawberry.type(description="Result of resendInvitation / revokeInvitation.")
class InvitationPayload:
    user: User | None = strawberry.field(
        default=None, description="The invitee; null when refused."
    )
    invitation: Invitation | None = strawberry.field(
        default=None, description="The invitation now; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of acceptInvitation: signed in, like login.")
class AcceptInvitationPayload:
    """Like ``LoginPayload``: the new session's token and the signed-in user."""

    token: str | None = strawberry.field(
        default=None,
        description="Session token for `Authorization: Bearer <token>`; null when refused.",
    )
    user: User | None = strawberry.field(
        default=None, description="The signed-in user; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of changePassword / resetPassword.")
class PasswordPayload:
    ok: bool = strawberry.field(default=False, description="True when the password was set.")
    #: Other sessions of the user ended by the change (``changePassword`` / ``resetPassword``).
    sessions_revoked: int = strawberry.field(
        default=0, description="Sessions of the user ended by the change."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of requestPasswordReset.")
class RequestPasswordResetPayload:
    """Always the same answer, whether or not the email belongs to anyone."""

    ok: bool = strawberry.field(
        description="Always true, whether or not the email belongs to anyone."
    )


# --------------------------------------------------------------------------- mutations


@strawberry.type
class SignInMutation:
    @mutation(
        description="Admins: mail a new invitation to an active user without a password (the old "
        "link dies, TOKEN_REVOKED); throttled per user (RATE_LIMITED). Errors: FORBIDDEN, "
        "NOT_FOUND, INVALID_STATE."
    )
    async def resend_invitation(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[InvitationInput, strawberry.argument(description="The invited user.")],
    ) -> InvitationPayload:
        ctx = info.context
        ctx.require_viewer()
        user, row = await invitations.resend_invitation(ctx, str(input.user_id))
        return InvitationPayload(
            user=User.from_row(user, ctx), invitation=Invitation.from_row(row, ctx.now)
        )

    @mutation(
        description="Admins: withdraw the user's pending invitation. Errors: FORBIDDEN, "
        "NOT_FOUND, INVALID_STATE (nothing pending)."
    )
    async def revoke_invitation(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[InvitationInput, strawberry.argument(description="The invited user.")],
    ) -> InvitationPayload:
        ctx = info.context
        ctx.require_viewer()
        user, row = await invitations.revoke_invitation(ctx, str(input.user_id))
        return InvitationPayload(
            user=User.from_row(user, ctx), invitation=Invitation.from_row(row, ctx.now)
        )

    @mutation(
        description="Anyone with the mailed token: set a password and sign in. Errors: "
        "INVALID_TOKEN, TOKEN_USED, TOKEN_REVOKED, TOKEN_EXPIRED, WEAK_PASSWORD."
    )
    async def accept_invitation(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            AcceptInvitationInput,
            strawberry.argument(description="The mailed token and the new password."),
        ],
    ) -> AcceptInvitationPayload:
        ctx = info.context
        result = await invitations.accept_invitation(ctx, input.token, input.password)
        ctx.viewer_or_none = result.viewer
        return AcceptInvitationPayload(token=result.token, user=User.from_row(result.user, ctx))

    @mutation(
        description="Signed-in user: change one's password; every other session ends, this one "
        "stays; throttled (RATE_LIMITED). Errors: INVALID_INPUT (wrong current password), "
        "WEAK_PASSWORD."
    )
    async def change_password(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            ChangePasswordInput,
            strawberry.argument(description="The current and the new password."),
        ],
    ) -> PasswordPayload:
        ctx = info.context
        ctx.require_viewer()
        revoked = await passwords.change_password(ctx, input.current_password, input.new_password)
        return PasswordPayload(ok=True, sessions_revoked=revoked)

    @strawberry.mutation(
        description="Anyone: mail a one-hour reset link to each active user with this email and "
        "a password. Always ok (no account is revealed); throttled (RATE_LIMITED)."
    )
    async def request_password_reset(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            RequestPasswordResetInput,
            strawberry.argument(description="The email to send the link to."),
        ],
    ) -> RequestPasswordResetPayload:
        await passwords.request_password_reset(info.context, input.email)
        return RequestPasswordResetPayload(ok=True)

    @mutation(
        description="Anyone with the mailed token: set a new password; every session of the user "
        "ends. Errors: INVALID_TOKEN, TOKEN_USED, TOKEN_REVOKED, TOKEN_EXPIRED, WEAK_PASSWORD."
    )
    async def reset_password(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            ResetPasswordInput,
            strawberry.argument(description="The mailed token and the new password."),
        ],
    ) -> PasswordPayload:
        revoked = await passwords.reset_password(info.context, input.token, input.password)
        return PasswordPayload(ok=True, sessions_revoked=revoked)
