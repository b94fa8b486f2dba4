"""Reading seats: the list, the summary counts."""

from __future__ import annotations

from sqlalchemy import Select, select

from db.enums import SeatStatus
from db.models import Seat
from resolvers.billing import SeatCounts, seat_counts
from resolvers.context import RequestContext
from resolvers.pagination import Page, PageRequest, fetch_page


async def list_seats(
    ctx: RequestContext, page: PageRequest, statuses: tuple[SeatStatus, ...] | None
) -> Page[Seat]:
    query: Select[tuple[Seat]] = select(Seat).where(Seat.account_id == ctx.viewer.account_id)
    if statuses:
        query = query.where(Seat.status.in_(statuses))
    return await fetch_page(ctx, query, Seat.id, page)


async def count_seats(ctx: RequestContext, account_id: int) -> SeatCounts:
    async with ctx.db.read() as session:
        return await seat_counts(session, account_id)
