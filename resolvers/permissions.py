"""Who may do what: the one meaning of "account admin" and "account owner".

A refusal is a ``BusinessError`` with ``FORBIDDEN``: a mutation returns it as a ``userError``
(data), a query as a GraphQL error with ``extensions.code`` (the schema's pipeline,
``schema.extensions``, does both).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from resolvers.context import RequestContext, Viewer
from resolvers.errors import BusinessError, ErrorCode

ADMINS_ONLY = "Only account admins can do this."


def require_admin(ctx: RequestContext, message: str = ADMINS_ONLY) -> Viewer:
    """The viewer, if an active admin of their account (every viewer is active)."""
    viewer = ctx.viewer
    if not viewer.is_admin:
        raise BusinessError.of(ErrorCode.FORBIDDEN, message)
    return viewer


async def lock_account_owner(session: AsyncSession, viewer: Viewer, message: str) -> User:
    """The account owner's row, locked; ``FORBIDDEN`` unless the viewer is that owner."""
    owner = (
        await session.scalars(
            select(User)
            .where(User.account_id == viewer.account_id, User.is_account_owner.is_(True))
            .with_for_update()
        )
    ).first()
    if owner is None or owner.id != viewer.user_id:
        raise BusinessError.of(ErrorCode.FORBIDDEN, message)
    return owner
