"""billingPreview and the mutations agree to the cent: charge, ledger rows and next invoice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from db.enums import LedgerEntryKind, UserStatus
from db.models import LedgerEntry
from tests.billing.helpers import (
    ADD_SEATS,
    BILLING_PREVIEW,
    REACTIVATE_USER,
    REMOVE_SEATS,
    Db,
    fresh_token,
)


def _iso(value: datetime) -> str:
    return value.isoformat()


async def _invoice_total(db: Db, account_id: int) -> Decimal:
    return sum(
        (row.amount for row in await db.ledger(account_id, LedgerEntryKind.INVOICE)),
        Decimal("0.00"),
    )


async def test_mutation_with_the_previews_proration_date_is_charged_exactly_the_preview(
    api, factory, sessionmaker, clock
):
    acme = await factory.account(seat_price=Decimal("33.33"))
    db = Db(sessionmaker)
    preview = (
        await api.data(
            BILLING_PREVIEW, {"change": {"addSeats": {"count": 3}}}, token=acme.owner.token
        )
    )["billingPreview"]

    clock.advance(timedelta(hours=5, seconds=7))  # the admin thinks it over
    data = await api.data(
        ADD_SEATS,
        {"input": {"count": 3, "prorationDate": preview["prorationDate"]}},
        token=acme.owner.token,
    )

    assert data["addSeats"]["billingPreview"] == preview
    [charge] = await db.ledger(acme.id)
    [line] = preview["lines"]
    assert charge.kind is LedgerEntryKind.CHARGE
    assert str(charge.amount) == line["amount"]["amount"] == preview["immediateCharge"]["amount"]
    assert str(charge.unit_price) == line["unitPrice"]["amount"]
    assert (charge.description, charge.quantity, charge.prorated) == (
        line["description"],
        line["quantity"],
        True,
    )
    assert _iso(charge.period_start) == line["periodStart"]
    assert _iso(charge.period_end) == line["periodEnd"]

    clock.set(datetime(2026, 4, 1, 0, 0, tzinfo=UTC) + timedelta(hours=1))
    token = await fresh_token(api, acme.owner.email)
    await api.data(BILLING_PREVIEW, {"change": {"addSeats": {"count": 1}}}, token=token)

    assert str(await _invoice_total(db, acme.id)) == preview["nextInvoiceAfter"]["amount"]


async def test_next_invoice_after_removals_equals_the_preview(api, factory, sessionmaker, clock):
    acme = await factory.account(free_seats=3)
    db = Db(sessionmaker)
    data = await api.data(REMOVE_SEATS, {"input": {"count": 2}}, token=acme.owner.token)
    promised = data["removeUnusedSeats"]["billingPreview"]["nextInvoiceAfter"]["amount"]

    clock.set(datetime(2026, 4, 2, tzinfo=UTC))
    token = await fresh_token(api, acme.owner.email)
    await api.data(ADD_SEATS, {"input": {"count": 1, "dryRun": True}}, token=token)

    assert str(await _invoice_total(db, acme.id)) == promised == "103.00"
    assert len(await db.seats(acme.id)) == 2  # the two pending removals are gone


async def test_dry_run_returns_the_same_preview_as_billing_preview(api, factory):
    acme = await factory.account(pending_removal_seats=1)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    change = {"userId": gone.gid, "allowSeatPurchase": True}

    preview = await api.data(
        BILLING_PREVIEW, {"change": {"reactivateUser": change}}, token=acme.owner.token
    )
    dry = await api.data(
        REACTIVATE_USER, {"input": {**change, "dryRun": True}}, token=acme.owner.token
    )

    assert dry["reactivateUser"]["billingPreview"] == preview["billingPreview"]
    assert dry["reactivateUser"]["user"]["status"] == "DEACTIVATED"


@pytest.mark.parametrize(
    "when", [datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)]
)
async def test_proration_date_in_the_future_or_before_the_period_is_invalid_input(
    api, factory, sessionmaker, when
):
    acme = await factory.account()
    db = Db(sessionmaker)
    seats = {"count": 1, "prorationDate": _iso(when)}

    body = await api.execute(
        BILLING_PREVIEW, {"change": {"addSeats": seats}}, token=acme.owner.token
    )
    data = await api.data(ADD_SEATS, {"input": seats}, token=acme.owner.token)

    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert data["addSeats"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert data["addSeats"]["userErrors"][0]["field"] == ["input", "prorationDate"]
    assert await db.count(LedgerEntry, account_id=acme.id) == 0


async def test_preview_of_each_seat_change(api, factory):
    acme = await factory.account(free_seats=1)
    dana = await factory.user(acme)
    token = acme.owner.token

    async def preview(change):
        return (await api.data(BILLING_PREVIEW, {"change": change}, token=token))["billingPreview"]

    add_user = await preview({"addUser": {"name": "N", "email": "n@acme.example"}})
    deactivate = await preview({"deactivateUser": {"userId": dana.gid, "removeSeat": True}})
    remove = await preview({"removeUnusedSeats": {"count": 1}})

    assert add_user["immediateCharge"]["amount"] == "0.00"  # the free seat
    assert deactivate["nextInvoiceBefore"]["amount"] == "132.00"
    assert deactivate["nextInvoiceAfter"]["amount"] == "103.00"
    assert remove["lines"][0]["description"] == "Seat removal scheduled"
    assert remove["lines"][0]["periodStart"] == "2026-04-01T00:00:00+00:00"


async def test_billing_preview_refusals_are_graphql_errors_with_codes(api, factory):
    acme = await factory.account()
    regular = await factory.user(acme)

    forbidden = await api.error_codes(
        BILLING_PREVIEW, {"change": {"addSeats": {"count": 1}}}, token=regular.token
    )
    no_free = await api.error_codes(
        BILLING_PREVIEW, {"change": {"removeUnusedSeats": {"count": 1}}}, token=acme.owner.token
    )
    two_changes = await api.error_codes(
        BILLING_PREVIEW,
        {"change": {"addSeats": {"count": 1}, "removeUnusedSeats": {"count": 1}}},
        token=acme.owner.token,
    )

    assert forbidden == ["FORBIDDEN"]
    assert no_free == ["NO_FREE_SEAT"]
    assert two_changes == ["BAD_REQUEST"]
