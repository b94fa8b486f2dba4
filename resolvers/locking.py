"""Row locks taken in the one order every writer follows (see ``RequestDatabase``): after the
account and the subscription, users by ascending id, so two writers locking the same users
(``reassignOwnership`` A→B racing B→A) queue instead of deadlocking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id


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


async def lock_user(
    session: AsyncSession, account_id: int, global_id: str, field: Sequence[str]
) -> User:
    """A user of the account by global id, row-locked; anything else is NOT_FOUND."""
    pk = decode_typed_id(global_id, "User")
    user = None
    if pk is not None:
        user = (
            await session.scalars(
                select(User)
                .where(User.id == pk, User.account_id == account_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one_or_none()
    if user is None:
        raise BusinessError.of(ErrorCode.NOT_FOUND, f"No user with id {global_id!r}.", field)
    return user
