"""Reading seats: the list, the summary counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import SeatStatus
from db.models import Seat
from resolvers.context import RequestContext
from resolvers.pagination import Page, PageRequest, fetch_page


@dataclass(frozen=True)
class SeatCounts:
    occupied: int
    free: int
    pending_removal: int

    @property
    def billable(self) -> int:
        """Seats paid for this period: pending removals are billed until the next bill date."""
        return self.occupied + self.free + self.pending_removal


async def list_seats(
    ctx: RequestContext, page: PageRequest, statuses: tuple[SeatStatus, ...] | None
) -> Page[Seat]:
    query: Select[tuple[Seat]] = select(Seat).where(Seat.account_id == ctx.viewer.account_id)
    if statuses:
        query = query.where(Seat.status.in_(statuses))
    return await fetch_page(ctx, query, Seat.id, page)


def _count_of(status: SeatStatus) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((Seat.status == status, 1), else_=0)), 0)


async def seat_counts(session: AsyncSession, account_id: int) -> SeatCounts:
    """The account's seats by status, in one aggregate (the only seat count there is)."""
    query = select(
        _count_of(SeatStatus.OCCUPIED),
        _count_of(SeatStatus.FREE),
        _count_of(SeatStatus.PENDING_REMOVAL),
    ).where(Seat.account_id == account_id)
    occupied, free, pending = (await session.execute(query)).one()
    return SeatCounts(occupied=int(occupied), free=int(free), pending_removal=int(pending))


async def count_seats(ctx: RequestContext, account_id: int) -> SeatCounts:
    async with ctx.db.read() as session:
        return await seat_counts(session, account_id)
