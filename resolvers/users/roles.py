"""``setUserPermissions``: a user's role and ``canSetMarketingStatus``.

Admins only (``FORBIDDEN``); neither ``role`` nor ``canSetMarketingStatus`` is ``INVALID_INPUT``;
a deleted user is ``INVALID_STATE``; the owner must stay ADMIN (``ACCOUNT_OWNER``); the last
active admin cannot be demoted (``LAST_ADMIN``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from db.enums import Role, UserStatus
from db.models import User
from resolvers import audit
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import encode_global_id
from resolvers.locking import lock_user
from resolvers.permissions import require_admin
from resolvers.rules import users as user_rules


@dataclass(frozen=True)
class SetUserPermissionsData:
    user_id: str
    role: Role | None = None
    can_set_marketing_status: bool | None = None


async def set_user_permissions(ctx: RequestContext, data: SetUserPermissionsData) -> User:
    viewer = require_admin(ctx, "Only account admins can change roles and permissions.")
    if data.role is None and data.can_set_marketing_status is None:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT, "Say what to change: role or canSetMarketingStatus.", ["input"]
        )
    async with ctx.db.write() as session:
        # Lock the active admins first (always in id order), then the target: no lock cycles.
        active_admin_ids = (
            await session.scalars(
                select(User.id)
                .where(
                    User.account_id == viewer.account_id,
                    User.role == Role.ADMIN,
                    User.status == UserStatus.ACTIVE,
                )
                .order_by(User.id)
                .with_for_update()
            )
        ).all()
        user = await lock_user(session, viewer.account_id, data.user_id, ["input", "userId"])
        if user.status is UserStatus.DELETED:
            raise BusinessError.of(
                ErrorCode.INVALID_STATE,
                "A deleted user's permissions cannot change.",
                ["input", "userId"],
            )
        details: dict[str, object] = {}
        if data.role is not None and data.role is not user.role:
            refusal = user_rules.decide_role_change(
                user_rules.RoleChange(
                    target_role=user.role,
                    target_status=user.status,
                    target_is_account_owner=user.is_account_owner,
                    new_role=data.role,
                    active_admins=len(active_admin_ids),
                )
            )
            if refusal is ErrorCode.ACCOUNT_OWNER:
                raise BusinessError.of(
                    refusal,
                    "The account owner must stay an admin; transfer ownership first.",
                    ["input", "role"],
                )
            if refusal is not None:
                raise BusinessError.of(
                    refusal, "The account must keep at least one active admin.", ["input", "role"]
                )
            details["role"] = {"before": user.role.value, "after": data.role.value}
            user.role = data.role
        if (
            data.can_set_marketing_status is not None
            and data.can_set_marketing_status != user.can_set_marketing_status
        ):
            details["can_set_marketing_status"] = {
                "before": user.can_set_marketing_status,
                "after": data.can_set_marketing_status,
            }
            user.can_set_marketing_status = data.can_set_marketing_status
        if details:
            await session.flush()
            audit.record_for(
                session, ctx, "user.set_permissions", encode_global_id("User", user.id), details
            )
    ctx.loaders.show_written(user)
    return user
