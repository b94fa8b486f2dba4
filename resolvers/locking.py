"""Row locks taken in the one order every writer follows (see ``RequestDatabase``): after the
account and the subscription, users by ascending id, so two writers locking the same users
(``reassignOwnership`` A→B racing B→A) queue instead of deadlocking."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User


async def lock_users_in_id_order(
    session: AsyncSession, account_id: int, pks: Iterable[int | None]
) -> None:
    """Lock the account's users among ``pks`` in ascending id order (unknown ids are skipped;
    callers then load each user as usual and find it already locked)."""
    wanted = sorted({pk for pk in pks if pk is not None})
    if not wanted:
        return
    await session.execute(
        select(User.id)
        .where(User.account_id == account_id, User.id.in_(wanted))
        .order_by(User.id)
        .with_for_update()
    )
