"""reactivateUser: FREE seat, else a cancelled removal, else an opted-in purchase; idempotent;
concurrent reactivations never share a seat."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from db.enums import LedgerEntryKind, SeatStatus, UserStatus
from db.models import AuditEvent, IdempotencyRecord, LedgerEntry
from tests.billing.helpers import REACTIVATE_USER, Db


async def test_reactivated_user_takes_a_free_seat_without_billing_change(
    api, factory, sessionmaker
):
    acme = await factory.account(free_seats=1)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    db = Db(sessionmaker)

    data = await api.data(REACTIVATE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    payload = data["reactivateUser"]
    assert payload["userErrors"] == []
    assert payload["user"] == {"id": gone.gid, "status": "ACTIVE", "deactivatedAt": None}
    assert payload["seat"]["status"] == "OCCUPIED"
    assert payload["billingPreview"]["immediateCharge"]["amount"] == "0.00"
    assert (
        payload["billingPreview"]["nextInvoiceAfter"]
        == payload["billingPreview"]["nextInvoiceBefore"]
    )
    assert await db.ledger(acme.id) == []
    assert len(await db.audit(acme.id, "user.reactivate")) == 1


async def test_reactivation_cancels_a_pending_removal_free_of_charge(api, factory, sessionmaker):
    acme = await factory.account(pending_removal_seats=1)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    db = Db(sessionmaker)

    data = await api.data(REACTIVATE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    preview = data["reactivateUser"]["billingPreview"]
    assert preview["immediateCharge"]["amount"] == "0.00"
    assert preview["nextInvoiceBefore"]["amount"] == "74.00"
    assert preview["nextInvoiceAfter"]["amount"] == "103.00"
    statuses = [s.status for s in await db.seats(acme.id)]
    assert statuses == [SeatStatus.OCCUPIED, SeatStatus.OCCUPIED]


async def test_purchase_requires_opt_in_and_returns_the_preview(api, factory, sessionmaker):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    db = Db(sessionmaker)

    refused = await api.data(
        REACTIVATE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token
    )
    bought = await api.data(
        REACTIVATE_USER,
        {"input": {"userId": gone.gid, "allowSeatPurchase": True}},
        token=acme.owner.token,
    )

    assert refused["reactivateUser"]["userErrors"][0]["code"] == "SEAT_PURCHASE_REQUIRED"
    assert refused["reactivateUser"]["billingPreview"]["immediateCharge"]["amount"] == "15.44"
    assert bought["reactivateUser"]["userErrors"] == []
    assert bought["reactivateUser"]["billingPreview"]["billableSeatsAfter"] == 2
    [charge] = await db.ledger(acme.id)
    assert (charge.kind, charge.amount) == (LedgerEntryKind.CHARGE, Decimal("15.44"))


async def test_deleted_and_active_users_cannot_be_reactivated(api, factory):
    acme = await factory.account(free_seats=1)
    deleted = await factory.user(acme, status=UserStatus.DELETED)
    active = await factory.user(acme)

    for user in (deleted, active):
        data = await api.data(
            REACTIVATE_USER, {"input": {"userId": user.gid}}, token=acme.owner.token
        )
        assert data["reactivateUser"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_retry_with_the_same_idempotency_key_charges_once(api, factory, sessionmaker):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    db = Db(sessionmaker)
    variables = {"input": {"userId": gone.gid, "allowSeatPurchase": True, "idempotencyKey": "k1"}}

    first = await api.data(REACTIVATE_USER, variables, token=acme.owner.token)
    second = await api.data(REACTIVATE_USER, variables, token=acme.owner.token)

    assert first["reactivateUser"]["userErrors"] == []
    assert second == first
    assert len(await db.ledger(acme.id, LedgerEntryKind.CHARGE)) == 1
    assert len(await db.seats(acme.id)) == 2
    assert len(await db.audit(acme.id, "user.reactivate")) == 1


async def test_same_idempotency_key_with_another_input_is_a_conflict(api, factory, sessionmaker):
    acme = await factory.account()
    one = await factory.user(acme, status=UserStatus.DEACTIVATED)
    two = await factory.user(acme, status=UserStatus.DEACTIVATED)
    db = Db(sessionmaker)

    def variables(user):
        return {"input": {"userId": user.gid, "allowSeatPurchase": True, "idempotencyKey": "k"}}

    await api.data(REACTIVATE_USER, variables(one), token=acme.owner.token)
    data = await api.data(REACTIVATE_USER, variables(two), token=acme.owner.token)

    assert data["reactivateUser"]["userErrors"][0]["code"] == "CONFLICT"
    assert data["reactivateUser"]["userErrors"][0]["field"] == ["input", "idempotencyKey"]
    assert (await db.user(two.id)).status is UserStatus.DEACTIVATED
    assert await db.count(IdempotencyRecord, account_id=acme.id) == 1


async def test_concurrent_reactivations_take_the_one_free_seat_once(api, factory, sessionmaker):
    acme = await factory.account(free_seats=1)
    users = [await factory.user(acme, status=UserStatus.DEACTIVATED) for _ in range(20)]
    db = Db(sessionmaker)

    results = await asyncio.gather(
        *(
            api.data(REACTIVATE_USER, {"input": {"userId": u.gid}}, token=acme.owner.token)
            for u in users
        )
    )

    codes = sorted(
        (r["reactivateUser"]["userErrors"] or [{"code": "OK"}])[0]["code"] for r in results
    )
    assert codes == ["OK"] + ["SEAT_PURCHASE_REQUIRED"] * 19
    seats = await db.seats(acme.id)
    assert len(seats) == 2
    assert all(seat.status is SeatStatus.OCCUPIED for seat in seats)
    assert await db.count(LedgerEntry, account_id=acme.id) == 0


async def test_concurrent_opted_in_reactivations_buy_one_seat_each_beyond_the_free_one(
    api, factory, sessionmaker
):
    acme = await factory.account(free_seats=1)
    users = [await factory.user(acme, status=UserStatus.DEACTIVATED) for _ in range(20)]
    db = Db(sessionmaker)

    results = await asyncio.gather(
        *(
            api.data(
                REACTIVATE_USER,
                {"input": {"userId": u.gid, "allowSeatPurchase": True}},
                token=acme.owner.token,
            )
            for u in users
        )
    )

    assert all(r["reactivateUser"]["userErrors"] == [] for r in results)
    charges = [r["reactivateUser"]["billingPreview"]["immediateCharge"]["amount"] for r in results]
    assert sorted(charges) == ["0.00"] + ["15.44"] * 19
    seats = await db.seats(acme.id)
    assert len(seats) == 21  # owner + the free one + 19 bought
    assert len({seat.user_id for seat in seats}) == 21
    assert all(seat.status is SeatStatus.OCCUPIED for seat in seats)
    assert len(await db.ledger(acme.id, LedgerEntryKind.CHARGE)) == 19
    assert await db.count(AuditEvent, account_id=acme.id, action="user.reactivate") == 20
