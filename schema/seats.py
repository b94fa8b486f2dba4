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
from schema.common import (
    Connection,
    Money,
    Node,
    PageAfter,
    PageFirst,
    SeatStatus,
    UserError,
    money,
    selects,
)
from schema.extensions import mutation
from schema.prefetch import MaybeAwaitable, reads
from schema.users import user_read

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


#: What ``user`` reads (schema/prefetch.py).
USER_READ = user_read("user_pk")


@strawberry.type(description="A paid seat of the subscription; billing counts seats, not users.")
class Seat(Node):
    pk: strawberry.Private[int]
    user_pk: strawberry.Private[int | None]
    status: SeatStatus = strawberry.field(description="OCCUPIED, FREE or PENDING_REMOVAL.")
    billed_since: datetime = strawberry.field(description="When billing of this seat began (UTC).")
    removal_effective_at: datetime | None = strawberry.field(
        description="For PENDING_REMOVAL: when the seat goes (the next bill date, UTC); else null."
    )

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

    @strawberry.field(
        graphql_type=UserRef | None,
        metadata=reads(USER_READ),
        description="The active user holding it; null unless OCCUPIED.",
    )
    def user(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        return USER_READ.resolve(self, info)  # type: ignore[no-any-return]


@strawberry.input(description="Narrows `seats`.")
class SeatFilter:
    status: list[SeatStatus] | None = strawberry.field(
        default=None, description="Any of these statuses; omit for all."
    )


@strawberry.type
class SeatsQuery:
    @strawberry.field(description="The account's seats, oldest first (any signed-in user).")
    async def seats(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
        filter: Annotated[
            SeatFilter | None, strawberry.argument(description="Conditions; omit for all seats.")
        ] = None,
    ) -> Connection[Seat]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        statuses = tuple(filter.status) if filter and filter.status else None
        rows = await list_seats(ctx, page, statuses)
        return Connection.from_page(rows, Seat.from_row)


@strawberry.type(description="Seat counts of the current period and what a seat costs.")
class SeatSummary:
    billable: int = strawberry.field(
        description="Seats paid for this period: OCCUPIED + FREE + PENDING_REMOVAL."
    )
    occupied: int = strawberry.field(description="Seats held by active users.")
    free: int = strawberry.field(description="Paid, unused seats (a new user takes one free).")
    pending_removal: int = strawberry.field(
        description="Seats paid until the next bill date, removed then."
    )
    seat_price: Money = strawberry.field(description="Price of one seat per monthly period.")
    next_bill_date: datetime = strawberry.field(
        description="End of the current period (UTC): renewal, and pending removals take effect."
    )


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


@strawberry.input(description="How many seats to add or remove, and billing options.")
class SeatCountInput:
    count: int = strawberry.field(description="Number of seats, 1 to 1 000 (INVALID_INPUT).")
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Client-chosen key: a retry with the same key and input returns the first "
        "result without charging again; same key, other input: CONFLICT.",
    )
    proration_date: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Prorate for this instant (a preview's prorationDate) so the charge equals "
        "the preview; not in the future nor before the period (INVALID_INPUT). Default: now.",
    )
    dry_run: bool | None = strawberry.field(
        default=False, description="Only return the billingPreview; change nothing."
    )

    def to_data(self, *, dry_run: bool | None = None) -> seat_changes.SeatCountData:
        return seat_changes.SeatCountData(
            count=self.count,
            idempotency_key=self.idempotency_key or None,
            proration_date=self.proration_date or None,
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.type(description="Result of addSeats / removeUnusedSeats.")
class SeatChangePayload:
    seat_summary: SeatSummary | None = strawberry.field(
        default=None, description="Seat counts after the change (before it, for a dry run)."
    )
    billing_preview: BillingPreview | None = strawberry.field(
        default=None, description="What the change costs; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type
class SeatsMutation:
    @mutation(
        description="Admins: add seats. Pending removals are cancelled first (no charge), then new "
        "FREE seats are bought with a prorated charge now. Errors: FORBIDDEN, INVALID_INPUT, "
        "CONFLICT."
    )
    async def add_seats(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            SeatCountInput, strawberry.argument(description="How many seats, and billing options.")
        ],
    ) -> SeatChangePayload:
        preview = await seat_changes.add_seats(info.context, input.to_data())
        return SeatChangePayload(
            seat_summary=await resolve_seat_summary(info.context),
            billing_preview=BillingPreview.from_preview(preview),
        )

    @mutation(
        description="Admins: schedule FREE seats for removal at the next bill date "
        "(PENDING_REMOVAL, billed until then). Errors: FORBIDDEN, INVALID_INPUT, NO_FREE_SEAT, "
        "CONFLICT."
    )
    async def remove_unused_seats(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            SeatCountInput, strawberry.argument(description="How many seats, and billing options.")
        ],
    ) -> SeatChangePayload:
        preview = await seat_changes.remove_unused_seats(info.context, input.to_data())
        return SeatChangePayload(
            seat_summary=await resolve_seat_summary(info.context),
            billing_preview=BillingPreview.from_preview(preview),
        )
