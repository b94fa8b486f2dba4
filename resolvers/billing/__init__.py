"""Billing I/O around the pure rules: the billing-change unit, period roll-over, the ledger.

Every change to what an account is billed (users, seats, marketing contacts) runs as one
``BillingChange`` inside ``billing_transaction``:

1. lock the account's subscription row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
   serialises writers with BEGIN IMMEDIATE), so all billing decisions of one account run one
   after another, and roll the period over if it is due (``lock_billing``);
2. replay a retried call with the same idempotency key (``replayed``);
3. validate the proration instant (``prorate_at``) and decide with ``rules.billing``;
4. write the ledger (``post``), the audit event and the idempotency record (``record``);
5. drop the request's cached subscription when the transaction ends (``billing_transaction``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import BillingItem, LedgerEntryKind, SeatStatus
from db.models import AuditEvent, LedgerEntry, Seat, Subscription
from resolvers import audit
from resolvers.billing import idempotency
from resolvers.billing.idempotency import IdempotentCall
from resolvers.billing.subscriptions import SubscriptionView, read_subscription
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import encode_global_id
from resolvers.permissions import require_admin
from resolvers.rules import billing as rules


@dataclass(frozen=True)
class SeatCounts:
    occupied: int
    free: int
    pending_removal: int

    @property
    def billable(self) -> int:
        """Seats paid for this period: pending removals are billed until the next bill date."""
        return self.occupied + self.free + self.pending_removal


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


async def _locked_subscription(session: AsyncSession, account_id: int) -> Subscription:
    query = (
        select(Subscription)
        .where(Subscription.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).one()


def _invoice_rows(
    account_id: int, view: SubscriptionView, renewing: int, operation_id: str
) -> list[LedgerEntry]:
    """The renewal invoice of the period that just started: renewing seats and the tier."""
    row = view.row
    period = view.period
    tier = view.tier
    lines = (
        (
            BillingItem.SEATS,
            "Seats",
            renewing,
            row.seat_price,
            rules.round_cents(Decimal(renewing) * row.seat_price),
        ),
        (BillingItem.CONTACT_TIER, f"Contact tier {tier.limit:,}", 1, tier.price, tier.price),
    )
    return [
        LedgerEntry(
            account_id=account_id,
            kind=LedgerEntryKind.INVOICE,
            item=item,
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
            currency=row.currency,
            prorated=False,
            period_start=period.start,
            period_end=period.end,
            effective_at=period.start,
            created_at=period.start,
            actor_user_id=None,
            operation_id=operation_id,
        )
        for item, description, quantity, unit_price, amount in lines
    ]


async def roll_over_if_due(session: AsyncSession, account_id: int, now: datetime) -> int:
    """Advance the subscription past every period boundary <= now; returns how many.

    At each boundary the pending removals due by then are deleted, the period moves on (anchored
    by ``rules.next_period``) and the renewal invoice for the new period is written to the ledger:
    renewing seats x seat price, plus the contact tier.
    """
    sub = await _locked_subscription(session, account_id)
    rolled = 0
    while sub.period_end <= now:
        boundary = sub.period_end
        removed = await session.execute(
            delete(Seat)
            .where(
                Seat.account_id == account_id,
                Seat.status == SeatStatus.PENDING_REMOVAL,
                or_(Seat.removal_effective_at.is_(None), Seat.removal_effective_at <= boundary),
            )
            .execution_options(synchronize_session=False)
        )
        following = rules.next_period(
            rules.BillingPeriod(sub.period_start, boundary), sub.anchor_day
        )
        sub.period_start, sub.period_end = following.start, following.end
        await session.flush()
        view = await read_subscription(session, account_id)
        renewing = (await seat_counts(session, account_id)).billable
        operation_id = uuid.uuid4().hex
        invoice = _invoice_rows(account_id, view, renewing, operation_id)
        session.add_all(invoice)
        event = audit.record(
            session,
            account_id=account_id,
            actor_user_id=None,
            action="billing.renew",
            target_id=None,
            occurred_at=boundary,
            details={
                "invoice_id": operation_id,
                "period_start": following.start.isoformat(),
                "seats_removed": int(removed.rowcount),  # type: ignore[attr-defined]
                "seats_renewed": renewing,
            },
        )
        for row in invoice:
            row.audit_event = event
        rolled += 1
    if rolled:
        await session.flush()
    return rolled


@dataclass(frozen=True)
class BillingSnapshot:
    """The locked, rolled-over billing state of one account, ready for the pure rules."""

    view: SubscriptionView
    counts: SeatCounts

    @property
    def state(self) -> rules.BillingState:
        row = self.view.row
        return rules.BillingState(
            currency=row.currency,
            seat_price=row.seat_price,
            period=self.view.period,
            billable_seats=self.counts.billable,
            pending_removal_seats=self.counts.pending_removal,
            tier_ladder=self.view.ladder,
            tier=self.view.tier,
        )


async def lock_billing(session: AsyncSession, account_id: int, now: datetime) -> BillingSnapshot:
    """Lock the subscription, roll the period over if due, and read the state to decide on."""
    await roll_over_if_due(session, account_id, now)
    view = await read_subscription(session, account_id)
    return BillingSnapshot(view=view, counts=await seat_counts(session, account_id))


async def read_billing_state(ctx: RequestContext) -> rules.BillingState:
    """The viewer's billing state as things stand (the request already rolled the period over)."""
    async with ctx.db.read() as session:
        view = await read_subscription(session, ctx.viewer.account_id)
        counts = await seat_counts(session, ctx.viewer.account_id)
    return BillingSnapshot(view=view, counts=counts).state


async def upcoming_invoice(ctx: RequestContext) -> rules.Invoice:
    """The next invoice as things stand (admins only): the very function previews use for
    ``nextInvoiceBefore``, so the two always agree."""
    require_admin(ctx)
    return rules.upcoming_invoice(await read_billing_state(ctx))


def proration_instant(
    snapshot: BillingSnapshot, requested: datetime | None, now: datetime
) -> datetime:
    """The instant to prorate for: the caller's ``prorationDate`` (a preview's) or now.

    Refused (INVALID_INPUT): no time zone, in the future, or before the current period start.
    """
    if requested is None:
        return now
    field = ["input", "prorationDate"]
    if requested.tzinfo is None or requested.utcoffset() is None:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT, "prorationDate needs a time zone offset.", field
        )
    if requested > now:
        raise BusinessError.of(ErrorCode.INVALID_INPUT, "prorationDate is in the future.", field)
    if requested < snapshot.view.period.start:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            "prorationDate is before the current billing period; ask for a new preview.",
            field,
        )
    return requested


def write_ledger(
    session: AsyncSession,
    preview: rules.BillingPreview,
    *,
    account_id: int,
    actor_user_id: int | None,
    now: datetime,
    charge_effective_at: datetime | None = None,
) -> list[LedgerEntry]:
    """One ledger row per preview line, all with one operation (charge) id; none without lines.

    A prorated line is money billed now (CHARGE, effective at the proration instant, or at
    ``charge_effective_at``: a tier upgrade is posted for the next day); a zero line is a change
    taking effect at the next bill date (SCHEDULED, amount 0).
    """
    operation_id = uuid.uuid4().hex
    rows = []
    for line in preview.lines:
        charge = line.prorated
        row = LedgerEntry(
            account_id=account_id,
            kind=LedgerEntryKind.CHARGE if charge else LedgerEntryKind.SCHEDULED,
            item=BillingItem(line.item),
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            currency=preview.currency,
            prorated=line.prorated,
            period_start=line.period_start,
            period_end=line.period_end,
            effective_at=(charge_effective_at or preview.proration_date)
            if charge
            else preview.next_bill_date,
            created_at=now,
            actor_user_id=actor_user_id,
            operation_id=operation_id,
        )
        session.add(row)
        rows.append(row)
    return rows


def billing_details(preview: rules.BillingPreview, charge_id: str | None) -> dict[str, str]:
    """What an audit event says about money: the charge id and the amounts."""
    return {
        "charge_id": charge_id or "",
        "immediate_charge": f"{preview.immediate_charge} {preview.currency}",
        "next_invoice_after": f"{preview.next_invoice_after} {preview.currency}",
    }


# --------------------------------------------------------------------------- the change unit


@asynccontextmanager
async def billing_transaction(ctx: RequestContext) -> AsyncIterator[AsyncSession]:
    """The write transaction of a billing change; the cached subscription is dropped after it
    (committed, rolled back or a dry run: the period may have rolled over either way)."""
    try:
        async with ctx.db.write() as session:
            yield session
    finally:
        ctx.memo.pop("subscription", None)


@dataclass(frozen=True)
class BillingChange:
    """One change to what the viewer's account is billed, decided on the locked state."""

    session: AsyncSession
    ctx: RequestContext
    snapshot: BillingSnapshot
    #: The idempotency record of a charging mutation; None for changes without a key.
    call: IdempotentCall | None = None
    dry_run: bool = False
    #: Ledger rows posted and not yet linked to the audit event of the change.
    unlinked: list[LedgerEntry] = field(default_factory=list)

    @classmethod
    async def begin(
        cls,
        session: AsyncSession,
        ctx: RequestContext,
        call: IdempotentCall | None = None,
        *,
        dry_run: bool = False,
    ) -> BillingChange:
        """Lock the subscription and roll the period over if due (see the module docstring)."""
        snapshot = await lock_billing(session, ctx.viewer.account_id, ctx.now)
        return cls(session, ctx, snapshot, call, dry_run)

    @property
    def account_id(self) -> int:
        return self.ctx.viewer.account_id

    async def replayed(self) -> dict[str, Any] | None:
        """The stored result of an earlier call with this key (never for a dry run)."""
        if self.dry_run or self.call is None:
            return None
        return await idempotency.replay(self.session, self.account_id, self.call)

    def prorate_at(self, requested: datetime | None) -> datetime:
        return proration_instant(self.snapshot, requested, self.ctx.now)

    def post(
        self, preview: rules.BillingPreview, *, charge_effective_at: datetime | None = None
    ) -> str | None:
        """The ledger rows of the preview; returns the charge id (None without lines)."""
        rows = write_ledger(
            self.session,
            preview,
            account_id=self.account_id,
            actor_user_id=self.ctx.viewer.actor_user_id,
            now=self.ctx.now,
            charge_effective_at=charge_effective_at,
        )
        self.unlinked.extend(rows)
        return rows[0].operation_id if rows else None

    def audit(
        self, action: str, target_global_id: str | None, details: Mapping[str, object]
    ) -> AuditEvent:
        """Audit the change; the ledger rows it posted point at this event (and its actor)."""
        event = audit.record_for(self.session, self.ctx, action, target_global_id, details)
        for row in self.unlinked:
            row.audit_event = event
        self.unlinked.clear()
        return event

    def record(
        self,
        action: str,
        target_global_id: str,
        preview: rules.BillingPreview,
        details: Mapping[str, object],
        *,
        result: Mapping[str, Any] | None = None,
    ) -> None:
        """Post the preview, audit the change with its money, remember the result for retries."""
        charge_id = self.post(preview)
        self.audit(action, target_global_id, {**billing_details(preview, charge_id), **details})
        if self.call is not None:
            idempotency.remember(
                self.session,
                account_id=self.account_id,
                call=self.call,
                result={"preview": idempotency.preview_to_json(preview), **(result or {})},
                now=self.ctx.now,
            )

    def account_global_id(self) -> str:
        return encode_global_id("Account", self.account_id)
