"""addSeats cancels pending removals, then buys; removeUnusedSeats schedules FREE seats' removal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from db.enums import LedgerEntryKind, SeatStatus
from db.models import AuditEvent, LedgerEntry
from tests.billing.helpers import ADD_SEATS, REMOVE_SEATS, Db

NEXT_BILL = datetime(2026, 4, 1, tzinfo=UTC)


async def test_add_seats_cancels_pending_removals_first_then_buys(api, factory, sessionmaker):
    acme = await factory.account(pending_removal_seats=1)
    db = Db(sessionmaker)

    data = await api.data(ADD_SEATS, {"input": {"count": 3}}, token=acme.owner.token)

    payload = data["addSeats"]
    assert payload["userErrors"] == []
    assert payload["seatSummary"] == {
        "billable": 4,
        "occupied": 1,
        "free": 3,
        "pendingRemoval": 0,
        "nextBillDate": "2026-04-01T00:00:00+00:00",
    }
    preview = payload["billingPreview"]
    assert preview["immediateCharge"]["amount"] == "30.87"  # round(2 x 29.00 x 16.5/31)
    assert preview["billableSeatsBefore"] == 2
    assert preview["billableSeatsAfter"] == 4
    rows = await db.ledger(acme.id)
    assert [(r.kind, r.quantity, r.amount) for r in rows] == [
        (LedgerEntryKind.CHARGE, 2, Decimal("30.87")),
        (LedgerEntryKind.SCHEDULED, 1, Decimal("0.00")),
    ]
    assert len({r.operation_id for r in rows}) == 1
    [event] = await db.audit_details(acme.id, "seat.add")
    assert event["charge_id"] == rows[0].operation_id
    assert len(event["seats_bought"]) == 2


@pytest.mark.parametrize("count", [0, -1, 1001])
async def test_seat_counts_must_be_positive_and_bounded(api, factory, count):
    acme = await factory.account(free_seats=1)

    for document, name in ((ADD_SEATS, "addSeats"), (REMOVE_SEATS, "removeUnusedSeats")):
        data = await api.data(document, {"input": {"count": count}}, token=acme.owner.token)
        assert data[name]["userErrors"][0]["code"] == "INVALID_INPUT"
        assert data[name]["userErrors"][0]["field"] == ["input", "count"]


async def test_remove_unused_seats_schedules_removal_at_the_next_bill_date(
    api, factory, sessionmaker
):
    acme = await factory.account(free_seats=3)
    db = Db(sessionmaker)

    data = await api.data(REMOVE_SEATS, {"input": {"count": 2}}, token=acme.owner.token)

    payload = data["removeUnusedSeats"]
    assert payload["seatSummary"]["free"] == 1
    assert payload["seatSummary"]["pendingRemoval"] == 2
    assert payload["seatSummary"]["billable"] == 4  # still billed until the next bill date
    assert payload["billingPreview"]["nextInvoiceAfter"]["amount"] == "103.00"
    pending = [s for s in await db.seats(acme.id) if s.status is SeatStatus.PENDING_REMOVAL]
    assert [s.removal_effective_at for s in pending] == [NEXT_BILL, NEXT_BILL]
    [row] = await db.ledger(acme.id)
    assert (row.kind, row.quantity, row.amount) == (LedgerEntryKind.SCHEDULED, 2, Decimal("0.00"))


async def test_removing_more_than_the_free_seats_is_no_free_seat_and_changes_nothing(
    api, factory, sessionmaker
):
    acme = await factory.account(free_seats=1)
    db = Db(sessionmaker)

    data = await api.data(REMOVE_SEATS, {"input": {"count": 2}}, token=acme.owner.token)

    assert data["removeUnusedSeats"]["userErrors"][0]["code"] == "NO_FREE_SEAT"
    assert data["removeUnusedSeats"]["userErrors"][0]["field"] == ["input", "count"]
    assert [s.status for s in await db.seats(acme.id)] == [SeatStatus.OCCUPIED, SeatStatus.FREE]
    assert await db.count(AuditEvent, account_id=acme.id) == 0


async def test_regular_users_cannot_change_seats(api, factory):
    acme = await factory.account(free_seats=1)
    regular = await factory.user(acme)

    for document, name in ((ADD_SEATS, "addSeats"), (REMOVE_SEATS, "removeUnusedSeats")):
        data = await api.data(document, {"input": {"count": 1}}, token=regular.token)
        assert data[name]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_add_seats_retried_with_the_same_key_charges_once(api, factory, sessionmaker):
    acme = await factory.account()
    db = Db(sessionmaker)
    variables = {"input": {"count": 2, "idempotencyKey": "buy-2"}}

    first = await api.data(ADD_SEATS, variables, token=acme.owner.token)
    second = await api.data(ADD_SEATS, variables, token=acme.owner.token)
    other = await api.data(
        ADD_SEATS, {"input": {"count": 3, "idempotencyKey": "buy-2"}}, token=acme.owner.token
    )

    assert second == first
    assert other["addSeats"]["userErrors"][0]["code"] == "CONFLICT"
    assert len(await db.seats(acme.id)) == 3
    assert await db.count(LedgerEntry, account_id=acme.id, kind=LedgerEntryKind.CHARGE) == 1


async def test_dry_run_add_seats_changes_nothing(api, factory, sessionmaker):
    acme = await factory.account()
    db = Db(sessionmaker)

    data = await api.data(
        ADD_SEATS, {"input": {"count": 2, "dryRun": True}}, token=acme.owner.token
    )

    assert data["addSeats"]["billingPreview"]["immediateCharge"]["amount"] == "30.87"
    assert data["addSeats"]["seatSummary"]["billable"] == 1
    assert len(await db.seats(acme.id)) == 1
    assert await db.count(LedgerEntry, account_id=acme.id) == 0
