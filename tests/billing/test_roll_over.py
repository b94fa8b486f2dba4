"""The period rolls over at the next bill date: pending removals go, an invoice is written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from db.enums import LedgerEntryKind, SeatStatus
from resolvers.billing import roll_over_if_due
from tests.billing.helpers import BILLING_PREVIEW, Db, fresh_token


async def test_roll_over_removes_due_seats_advances_the_period_and_invoices(factory, sessionmaker):
    acme = await factory.account(free_seats=1, pending_removal_seats=2)
    db = Db(sessionmaker)

    async with sessionmaker.begin() as session:
        assert await roll_over_if_due(session, acme.id, datetime(2026, 3, 31, tzinfo=UTC)) == 0
    async with sessionmaker.begin() as session:
        assert await roll_over_if_due(session, acme.id, datetime(2026, 4, 1, tzinfo=UTC)) == 1

    sub = await db.subscription(acme.id)
    assert (sub.period_start, sub.period_end) == (
        datetime(2026, 4, 1, tzinfo=UTC),
        datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert sorted(s.status for s in await db.seats(acme.id)) == [
        SeatStatus.FREE,
        SeatStatus.OCCUPIED,
    ]
    invoice = await db.ledger(acme.id, LedgerEntryKind.INVOICE)
    assert [(r.quantity, r.amount) for r in invoice] == [
        (2, Decimal("58.00")),
        (1, Decimal("45.00")),
    ]
    assert all(r.period_start == datetime(2026, 4, 1, tzinfo=UTC) for r in invoice)
    assert len(await db.audit(acme.id, "billing.renew")) == 1


async def test_a_long_absence_rolls_over_every_missed_period(api, factory, sessionmaker, clock):
    acme = await factory.account()
    db = Db(sessionmaker)

    clock.set(datetime(2026, 6, 10, tzinfo=UTC))
    token = await fresh_token(api, acme.owner.email)
    await api.data(BILLING_PREVIEW, {"change": {"addSeats": {"count": 1}}}, token=token)

    sub = await db.subscription(acme.id)
    assert sub.period_start == datetime(2026, 6, 1, tzinfo=UTC)
    assert len(await db.ledger(acme.id, LedgerEntryKind.INVOICE)) == 6  # 3 periods x 2 lines


async def test_month_end_anchor_survives_short_months(factory, sessionmaker):
    acme = await factory.account(period_start=datetime(2026, 1, 31, tzinfo=UTC))
    db = Db(sessionmaker)

    async with sessionmaker.begin() as session:
        await roll_over_if_due(session, acme.id, datetime(2026, 3, 15, tzinfo=UTC))

    sub = await db.subscription(acme.id)
    assert (sub.period_start, sub.period_end) == (
        datetime(2026, 2, 28, tzinfo=UTC),
        datetime(2026, 3, 31, tzinfo=UTC),
    )


async def test_pending_removal_due_later_is_kept_and_billed(factory, sessionmaker):
    acme = await factory.account()
    db = Db(sessionmaker)
    [seat_id] = await factory.seats(acme, SeatStatus.PENDING_REMOVAL, 1)
    from db.models import Seat

    async with sessionmaker.begin() as session:
        seat = await session.get(Seat, seat_id)
        seat.removal_effective_at = datetime(2026, 5, 1, tzinfo=UTC)
    async with sessionmaker.begin() as session:
        await roll_over_if_due(session, acme.id, datetime(2026, 4, 1, tzinfo=UTC))

    assert len(await db.seats(acme.id)) == 2
    seats_line = (await db.ledger(acme.id, LedgerEntryKind.INVOICE))[0]
    assert seats_line.quantity == 2
