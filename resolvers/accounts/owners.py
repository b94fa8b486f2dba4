"""Owners who can always act (SPEC "Someone can always act").

The account owner is an active admin who can sign in (has a password): ownership moves only to
such an admin (``refuse_owner_who_cannot_sign_in``).

A portfolio always has an owner who can sign in. Rule chosen: deactivating or deleting a user
who owns a portfolio moves the portfolio to the owner of that user's account, in the same
transaction (the account owner is an active admin who can sign in). Closing stays the portfolio
owner's; the owner of the account the portfolio belongs to may close it only when its owner
cannot sign in (e.g. data from before this rule).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import UserStatus
from db.models import Portfolio, User
from resolvers.context import RequestContext, Viewer
from resolvers.errors import BusinessError, ErrorCode


def refuse_owner_who_cannot_sign_in(target: User) -> None:
    """The new account owner must be able to sign in: an invitee has no password yet."""
    if target.password_hash is None:
        raise BusinessError.of(
            ErrorCode.CANNOT_SIGN_IN,
            "This admin cannot sign in yet (they have not accepted their invitation): "
            "the account can only be handed to someone who can sign in.",
            ["input", "toUserId"],
        )


async def hand_portfolios_to_account_owner(
    session: AsyncSession, account_id: int, leaving_user_id: int
) -> int:
    """Move the leaving user's portfolios to the account owner; returns how many moved."""
    owner_id = await session.scalar(
        select(User.id).where(User.account_id == account_id, User.is_account_owner.is_(True))
    )
    if owner_id is None or owner_id == leaving_user_id:
        return 0
    result = await session.execute(
        update(Portfolio)
        .where(Portfolio.owner_user_id == leaving_user_id)
        .values(owner_user_id=owner_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def can_sign_in(session: AsyncSession, user_id: int) -> bool:
    """Active and with a password: the user can open a session."""
    found = await session.scalar(
        select(User.id).where(
            User.id == user_id,
            User.status == UserStatus.ACTIVE,
            User.password_hash.is_not(None),
        )
    )
    return found is not None


def closable_portfolios(
    ctx: RequestContext, visible: Select[tuple[Portfolio]]
) -> Select[tuple[Portfolio]]:
    """What the viewer may try to close: the portfolios they see, plus, for the account owner,
    those belonging to their account (whose owner may no longer be able to sign in)."""
    viewer = ctx.viewer
    if not viewer.is_account_owner or visible.whereclause is None:
        return visible
    return select(Portfolio).where(
        or_(visible.whereclause, Portfolio.account_id == viewer.account_id)
    )


async def may_close_portfolio(session: AsyncSession, viewer: Viewer, portfolio: Portfolio) -> bool:
    """Its owner; or the owner of its account when its owner cannot sign in any more."""
    if portfolio.owner_user_id == viewer.user_id:
        return True
    return (
        viewer.is_account_owner
        and portfolio.account_id == viewer.account_id
        and not await can_sign_in(session, portfolio.owner_user_id)
    )
