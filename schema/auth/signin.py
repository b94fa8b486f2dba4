"""Signing in: invitations and passwords (types, inputs, payloads, ``SignInMutation``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from db.enums import InvitationStatus
from resolvers.auth import invitations, passwords
from resolvers.context import RequestContext
from resolvers.rules.auth import invitation_status
from schema.common import UserError
from schema.extensions import mutation
from schema.users import User

strawberry.enum(InvitationStatus)


@strawberry.type
class Invitation:
    """The newest invitation of a user (shown to admins and to the user themself)."""

    status: InvitationStatus
    sent_at: datetime
    expires_at: datetime

    @classmethod
    def from_row(cls, row: models.UserToken, now: datetime) -> Invitation:
        return cls(
            status=invitation_status(row.state, row.expires_at, now),
            sent_at=row.created_at,
            expires_at=row.expires_at,
        )


# --------------------------------------------------------------------------- inputs


@strawberry.input
class InvitationInput:
    user_id: strawberry.ID


@strawberry.input
class AcceptInvitationInput:
    token: str
    password: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.input
class ResetPasswordInput:
    token: str
    password: str


# --------------------------------------------------------------------------- payloads


@strawberry.type
class InvitationPayload:
    user: User | None = None
    invitation: Invitation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AcceptInvitationPayload:
    """Like ``LoginPayload``: the new session's token and the signed-in user."""

    token: str | None = None
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PasswordPayload:
    ok: bool = False
    #: Other sessions of the user ended by the change (``changePassword`` / ``resetPassword``).
    sessions_revoked: int = 0
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RequestPasswordResetPayload:
    """Always the same answer, whether or not the email belongs to anyone."""

    ok: bool


# --------------------------------------------------------------------------- mutations


@strawberry.type
class SignInMutation:
    @mutation(description="Admin: a new invitation (the old link dies). Throttled.")
    async def resend_invitation(
        self, info: strawberry.Info[RequestContext], input: InvitationInput
    ) -> InvitationPayload:
        ctx = info.context
        ctx.require_viewer()
        user, row = await invitations.resend_invitation(ctx, str(input.user_id))
        return InvitationPayload(
            user=User.from_row(user, ctx), invitation=Invitation.from_row(row, ctx.now)
        )

    @mutation(description="Admin: withdraw the user's pending invitation.")
    async def revoke_invitation(
        self, info: strawberry.Info[RequestContext], input: InvitationInput
    ) -> InvitationPayload:
        ctx = info.context
        ctx.require_viewer()
        user, row = await invitations.revoke_invitation(ctx, str(input.user_id))
        return InvitationPayload(
            user=User.from_row(user, ctx), invitation=Invitation.from_row(row, ctx.now)
        )

    @mutation(description="Set a password with an invitation's token; signs in.")
    async def accept_invitation(
        self, info: strawberry.Info[RequestContext], input: AcceptInvitationInput
    ) -> AcceptInvitationPayload:
        ctx = info.context
        result = await invitations.accept_invitation(ctx, input.token, input.password)
        ctx.viewer_or_none = result.viewer
        return AcceptInvitationPayload(token=result.token, user=User.from_row(result.user, ctx))

    @mutation(description="Change one's password; every other session is ended.")
    async def change_password(
        self, info: strawberry.Info[RequestContext], input: ChangePasswordInput
    ) -> PasswordPayload:
        ctx = info.context
        ctx.require_viewer()
        revoked = await passwords.change_password(ctx, input.current_password, input.new_password)
        return PasswordPayload(ok=True, sessions_revoked=revoked)

    @strawberry.mutation(description="Mail a password reset link, if the email has a user.")
    async def request_password_reset(
        self, info: strawberry.Info[RequestContext], input: RequestPasswordResetInput
    ) -> RequestPasswordResetPayload:
        await passwords.request_password_reset(info.context, input.email)
        return RequestPasswordResetPayload(ok=True)

    @mutation(description="Set a new password with a reset token; ends every session.")
    async def reset_password(
        self, info: strawberry.Info[RequestContext], input: ResetPasswordInput
    ) -> PasswordPayload:
        revoked = await passwords.reset_password(info.context, input.token, input.password)
        return PasswordPayload(ok=True, sessions_revoked=revoked)
