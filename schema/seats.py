"""Seats: the Seat type, its filter and the seats query."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers.billing.subscriptions import load_subscription
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from resolvers.seats import changes as seat_changes
from resolvers.seats import count_seats, list_seats
from schema.billing import BillingPreview
from schema.common import Connection, Money, Node, SeatStatus, UserError, money, selects
from schema.extensions import mutation
from schema.prefetch import MaybeAwaitable, reads
from schema.users import user_read

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


#: What ``user`` reads (schema/prefetch.py).
USER_READ = user_read("user_pk")


@strawberry.type
class Seat(Node):
    pk: strawberry.Private[int]
    user_pk: strawberry.Private[int | None]
    status: SeatStatus
    billed_since: datetime
    removal_effective_at: datetime | None

    @classmethod
    def from_row(cls, row: models.Seat) -> Seat:
        return cls(
            id=strawberry.ID(encode_global_id("Seat", row.id)),
            pk=row.id,
            user_pk=row.user_id,
            status=row.status,
            billed_since=row.billed_since,
            removal_effective_at=row.removal_effective_at,
        )

    @classmethod
    def from_optional_row(cls, row: models.Seat | None) -> Seat | None:
        return cls.from_row(row) if row is not None else None

    @strawberry.field(graphql_type=UserRef | None, metadata=reads(USER_READ))
    def user(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        return USER_READ.resolve(self, info)  # type: ignore[no-any-return]


@strawberry.input
class SeatFilter:
    status: list[SeatStatus] | None = None


@strawberry.type
class SeatsQuery:
    @strawberry.field
    async def seats(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
        filter: SeatFilter | None = None,
    ) -> Connection[Seat]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        statuses = tuple(filter.status) if filter and filter.status else None
        rows = await list_seats(ctx, page, statuses)
        return Connection.from_page(rows, Seat.from_row)


@strawberry.type
class SeatSummary:
    billable: int
    occupied: int
    free: int
    pending_removal: int
    seat_price: Money
    next_bill_date: datetime


async def resolve_seat_summary(ctx: RequestContext) -> SeatSummary:
    view = await load_subscription(ctx)
    counts = await count_seats(ctx, ctx.viewer.account_id)
    return SeatSummary(
        billable=counts.billable,
        occupied=counts.occupied,
        free=counts.free,
        pending_removal=counts.pending_removal,
        seat_price=money(view.row.seat_price, view.row.currency),
        next_bill_date=view.row.period_end,
    )


@strawberry.input
class SeatCountInput:
    count: int
    idempotency_key: str | None = strawberry.UNSET
    proration_date: datetime | None = strawberry.UNSET
    dry_run: bool | None = False

    def to_data(self, *, dry_run: bool | None = None) -> seat_changes.SeatCountData:
        return seat_changes.SeatCountData(
            count=self.count,
            idempotency_key=self.idempotency_key or None,
            proration_date=self.proration_date or None,
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.type
class SeatChangePayload:
    seat_summary: SeatSummary | None = None
    billing_preview: BillingPreview | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SeatsMutation:
    @mutation()
    async def add_seats(
        self,
        info: strawberry.Info[RequestContext],
        input: SeatCountInput,
    ) -> SeatChangePayload:
        preview = await seat_changes.add_seats(info.context, input.to_data())
        return SeatChangePayload(
            seat_summary=await resolve_seat_summary(info.context),
            billing_preview=BillingPreview.from_preview(preview),
        )

    @mutation()
    async def remove_unused_seats(
        self,
        info: strawberry.Info[RequestContext],
        input: SeatCountInput,
    ) -> SeatChangePayload:
        preview = await seat_changes.remove_unused_seats(info.context, input.to_data())
        return SeatChangePayload(
            seat_summary=await resolve_seat_summary(info.context),
            billing_preview=BillingPreview.from_preview(preview),
        )
