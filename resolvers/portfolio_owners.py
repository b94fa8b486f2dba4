"""A portfolio always has an owner who can sign in (SPEC "Someone can always act").

Rule chosen: deactivating or deleting a user who owns a portfolio moves the portfolio to the
owner of that user's account, in the same transaction (the account owner is an active admin
who can sign in). Closing stays the portfolio owner's; the owner of the account the portfolio
belongs to may close it only when its owner cannot sign in (e.g. data from before this rule).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import UserStatus
from db.models import Portfolio, User


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
