"""Login and logout."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import auth
from resolvers.context import RequestContext
from schema.common import UserError
from schema.extensions import mutation
from schema.users import User


@strawberry.input(description="Credentials.")
class LoginInput:
    email: str = strawberry.field(description="Sign-in email (case-insensitive).")
    password: str = strawberry.field(description="The user's password.")


@strawberry.type(description="Result of login.")
class LoginPayload:
    token: str | None = strawberry.field(
        default=None,
        description="Session token for `Authorization: Bearer <token>`, valid 14 days (server "
        "setting); null when refused.",
    )
    user: User | None = strawberry.field(
        default=None, description="The signed-in user; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of logout.")
class LogoutPayload:
    ok: bool = strawberry.field(description="Always true: the session has ended.")


@strawberry.type
class AuthMutation:
    @mutation(
        description="Anyone: sign in and get a session token. A wrong password and an unknown "
        "email give the same UNAUTHENTICATED user error; repeated failures are throttled "
        "(RATE_LIMITED GraphQL error with retryAfter)."
    )
    async def login(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[LoginInput, strawberry.argument(description="Email and password.")],
    ) -> LoginPayload:
        ctx = info.context
        result = await auth.login(ctx, input.email, input.password)
        # The new session's viewer sees the user as itself (display names depend on the viewer).
        ctx.viewer_or_none = result.viewer
        return LoginPayload(token=result.token, user=User.from_row(result.user, ctx))

    @strawberry.mutation(
        description="End the session of the token sent (UNAUTHENTICATED without one)."
    )
    async def logout(self, info: strawberry.Info[RequestContext]) -> LogoutPayload:
        await auth.logout(info.context)
        return LogoutPayload(ok=True)
