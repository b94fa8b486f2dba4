"""Seat changes: taking a seat for a user, releasing it, ``addSeats`` and ``removeUnusedSeats``.

Seat decisions run inside a ``BillingChange`` (``resolvers.billing``), after it took the
subscription lock, so two admins of one account never take the same free seat or buy twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import SeatStatus
from db.models import Seat
from resolvers.billing import (
    BillingChange,
    BillingSnapshot,
    billing_transaction,
    idempotency,
    seat_counts,
)
from resolvers.billing.idempotency import IdempotentCall
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode, UserErrorData
from resolvers.ids import encode_global_id
from resolvers.permissions import require_admin
from resolvers.rules import billing as rules
from resolvers.rules.users import SeatSource, plan_add_seats, seat_source

#: A single call buys or removes at most this many seats (a typo guard, not a business limit).
MAX_SEAT_COUNT = 1000


class SeatPurchaseRequired(BusinessError):
    """A seat must be bought and the caller did not opt in: the payload carries the preview."""

    def __init__(self, preview: rules.BillingPreview) -> None:
        super().__init__(
            UserErrorData(
                ErrorCode.SEAT_PURCHASE_REQUIRED,
                "No free seat is left: pass allowSeatPurchase: true to buy one "
                f"({preview.immediate_charge} {preview.currency} now, prorated).",
                ("input", "allowSeatPurchase"),
            )
        )
        self.preview = preview


# --------------------------------------------------------------------------- one user's seat


_CHANGE_FOR = {
    SeatSource.FREE: rules.SeatChange(),
    SeatSource.CANCEL_REMOVAL: rules.SeatChange(cancel_removal=1),
    SeatSource.BUY: rules.SeatChange(buy=1),
}


def plan_user_seat(
    snapshot: BillingSnapshot, at: datetime
) -> tuple[SeatSource, rules.BillingPreview]:
    """Where the seat comes from (FREE, else a pending removal, else a purchase) and its price."""
    source = seat_source(snapshot.counts.free, snapshot.counts.pending_removal)
    return source, rules.preview_seat_change(snapshot.state, _CHANGE_FOR[source], at)


async def _first_seat(session: AsyncSession, account_id: int, status: SeatStatus) -> Seat:
    query = (
        select(Seat)
        .where(Seat.account_id == account_id, Seat.status == status)
        .order_by(Seat.id)
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).one()


async def assign_seat(
    session: AsyncSession, account_id: int, source: SeatSource, user_id: int, at: datetime
) -> Seat:
    """Give the user the seat the plan chose; the row is flushed before returning."""
    if source is SeatSource.BUY:
        seat = Seat(account_id=account_id, status=SeatStatus.OCCUPIED, billed_since=at)
        session.add(seat)
    else:
        status = SeatStatus.FREE if source is SeatSource.FREE else SeatStatus.PENDING_REMOVAL
        seat = await _first_seat(session, account_id, status)
        seat.status = SeatStatus.OCCUPIED
        seat.removal_effective_at = None
    seat.user_id = user_id
    await session.flush()
    return seat


async def release_seat(
    session: AsyncSession, user_id: int, *, remove_at: datetime | None
) -> Seat | None:
    """Free the user's seat: FREE, or PENDING_REMOVAL at ``remove_at`` (the next bill date)."""
    seat = (
        await session.scalars(
            select(Seat)
            .where(Seat.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if seat is None:
        return None
    seat.user_id = None
    seat.status = SeatStatus.FREE if remove_at is None else SeatStatus.PENDING_REMOVAL
    seat.removal_effective_at = remove_at
    await session.flush()
    return seat


# --------------------------------------------------------------------------- seat counts


@dataclass(frozen=True)
class SeatCountData:
    count: int
    idempotency_key: str | None = None
    proration_date: datetime | None = None
    dry_run: bool = False

    def call(self, operation: str) -> IdempotentCall:
        arguments: dict[str, Any] = {"count": self.count, "prorationDate": self.proration_date}
        return IdempotentCall.of(operation, self.idempotency_key, arguments)


def _check_count(count: int) -> None:
    if count <= 0 or count > MAX_SEAT_COUNT:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            f"count must be between 1 and {MAX_SEAT_COUNT}.",
            ["input", "count"],
        )


async def _mark_seats(
    session: AsyncSession,
    account_id: int,
    count: int,
    *,
    source: SeatStatus,
    target: SeatStatus,
    remove_at: datetime | None,
) -> list[int]:
    seats = (
        await session.scalars(
            select(Seat)
            .where(Seat.account_id == account_id, Seat.status == source)
            .order_by(Seat.id)
            .limit(count)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    for seat in seats:
        seat.status = target
        seat.removal_effective_at = remove_at
    return [seat.id for seat in seats]


async def add_seats(ctx: RequestContext, data: SeatCountData) -> rules.BillingPreview:
    """Cancel pending removals first, then buy new FREE seats with a prorated charge now."""
    viewer = require_admin(ctx)
    _check_count(data.count)
    call = data.call("addSeats")
    async with billing_transaction(ctx) as session:
        change = await BillingChange.begin(session, ctx, call, dry_run=data.dry_run)
        stored = await change.replayed()
        if stored is not None:
            return idempotency.preview_from_json(stored["preview"])
        at = change.prorate_at(data.proration_date)
        plan = plan_add_seats(data.count, change.snapshot.counts.pending_removal)
        seat_change = rules.SeatChange(buy=plan.buy, cancel_removal=plan.cancel_removal)
        preview = rules.preview_seat_change(change.snapshot.state, seat_change, at)
        if data.dry_run:
            return preview
        cancelled = await _mark_seats(
            session,
            viewer.account_id,
            plan.cancel_removal,
            source=SeatStatus.PENDING_REMOVAL,
            target=SeatStatus.FREE,
            remove_at=None,
        )
        bought = [
            Seat(account_id=viewer.account_id, status=SeatStatus.FREE, billed_since=at)
            for _ in range(plan.buy)
        ]
        session.add_all(bought)
        await session.flush()
        change.record(
            "seat.add",
            change.account_global_id(),
            preview,
            {
                "seats_bought": [encode_global_id("Seat", seat.id) for seat in bought],
                "removals_cancelled": [encode_global_id("Seat", pk) for pk in cancelled],
            },
        )
    return preview


def preview_seat_removal(
    snapshot: BillingSnapshot, count: int, at: datetime
) -> rules.BillingPreview:
    """What removing ``count`` FREE seats costs and saves: the ``removeUnusedSeats`` preview."""
    return rules.preview_seat_change(snapshot.state, rules.SeatChange(schedule_removal=count), at)


@dataclass(frozen=True)
class UnusedSeatsReminder:
    """FREE seats the account pays for, and the preview of removing them all."""

    unused_seats: int
    removal_preview: rules.BillingPreview


async def unused_seats_reminder(
    session: AsyncSession, snapshot: BillingSnapshot, at: datetime
) -> UnusedSeatsReminder | None:
    """The reminder after a seat became FREE, on the seats as they are now (in the transaction)."""
    account_id = snapshot.view.row.account_id
    now = BillingSnapshot(view=snapshot.view, counts=await seat_counts(session, account_id))
    if now.counts.free == 0:
        return None
    return UnusedSeatsReminder(now.counts.free, preview_seat_removal(now, now.counts.free, at))


async def remove_unused_seats(ctx: RequestContext, data: SeatCountData) -> rules.BillingPreview:
    """Turn FREE seats into PENDING_REMOVAL: billed until the next bill date, then gone."""
    viewer = require_admin(ctx)
    _check_count(data.count)
    call = data.call("removeUnusedSeats")
    async with billing_transaction(ctx) as session:
        change = await BillingChange.begin(session, ctx, call, dry_run=data.dry_run)
        stored = await change.replayed()
        if stored is not None:
            return idempotency.preview_from_json(stored["preview"])
        at = change.prorate_at(data.proration_date)
        counts = change.snapshot.counts
        if data.count > counts.free:
            raise BusinessError.of(
                ErrorCode.NO_FREE_SEAT,
                f"Only {counts.free} seats are free; occupied seats cannot be removed.",
                ["input", "count"],
            )
        preview = preview_seat_removal(change.snapshot, data.count, at)
        if data.dry_run:
            return preview
        period_end = change.snapshot.view.period.end
        removed = await _mark_seats(
            session,
            viewer.account_id,
            data.count,
            source=SeatStatus.FREE,
            target=SeatStatus.PENDING_REMOVAL,
            remove_at=period_end,
        )
        await session.flush()
        change.record(
            "seat.remove",
            change.account_global_id(),
            preview,
            {
                "seats_removed": [encode_global_id("Seat", pk) for pk in removed],
                "removal_effective_at": period_end.isoformat(),
            },
        )
    return preview
