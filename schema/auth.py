"""Login and logout."""

from __future__ import annotations

import strawberry

from resolvers import auth
from resolvers.context import RequestContext
from schema.common import UserError
from schema.extensions import mutation
from schema.users import User


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.type
class LoginPayload:
    token: str | None = None
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    ok: bool


@strawberry.type
class AuthMutation:
    @mutation()
    async def login(self, info: strawberry.Info[RequestContext], input: LoginInput) -> LoginPayload:
        ctx = info.context
        result = await auth.login(ctx, input.email, input.password)
        # The new session's viewer sees the user as itself (display names depend on the viewer).
        ctx.viewer_or_none = result.viewer
        return LoginPayload(token=result.token, user=User.from_row(result.user, ctx))

    @strawberry.mutation
    async def logout(self, info: strawberry.Info[RequestContext]) -> LogoutPayload:
        await auth.logout(info.context)
        return LogoutPayload(ok=True)
