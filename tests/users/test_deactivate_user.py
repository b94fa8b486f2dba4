"""deactivateUser: sessions revoked, items kept, seat FREE or pending removal, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from db.enums import LedgerEntryKind, Role, SeatStatus, UserStatus
from db.models import AuditEvent, LedgerEntry
from tests.billing.helpers import DEACTIVATE_USER, Db, gid

VIEWER = "{ viewer { id } }"


async def test_deactivation_revokes_sessions_keeps_items_and_frees_the_seat(
    api, factory, sessionmaker
):
    acme = await factory.account()
    dana = await factory.user(acme)
    await factory.deals(acme, 2, owner=dana)
    await factory.contacts(acme, 3, owner=dana)
    await factory.owned_items(acme, dana, 1)
    db = Db(sessionmaker)

    data = await api.data(DEACTIVATE_USER, {"input": {"userId": dana.gid}}, token=acme.owner.token)

    payload = data["deactivateUser"]
    assert payload["userErrors"] == []
    assert payload["user"]["status"] == "DEACTIVATED"
    assert payload["user"]["seat"] is None
    assert payload["ownedItems"] == {
        "deals": 2,
        "contacts": 3,
        "leads": 1,
        "organizations": 1,
        "activities": 1,
        "total": 8,
    }
    assert await api.error_codes(VIEWER, token=dana.token) == ["UNAUTHENTICATED"]
    assert await db.live_sessions(dana.id) == 0
    [seat] = [s for s in await db.seats(acme.id) if s.id == dana.seat_id]
    assert (seat.status, seat.user_id, seat.removal_effective_at) == (SeatStatus.FREE, None, None)
    assert await db.ledger(acme.id) == []
    [event] = await db.audit_details(acme.id, "user.deactivate")
    assert event["seat_status"] == "FREE"
    assert event["sessions_revoked"] == 1


async def test_remove_seat_schedules_the_removal_at_the_next_bill_date(api, factory, sessionmaker):
    acme = await factory.account()
    dana = await factory.user(acme)
    db = Db(sessionmaker)

    data = await api.data(
        DEACTIVATE_USER, {"input": {"userId": dana.gid, "removeSeat": True}}, token=acme.owner.token
    )

    preview = data["deactivateUser"]["billingPreview"]
    assert preview["immediateCharge"]["amount"] == "0.00"
    assert preview["nextInvoiceBefore"]["amount"] == "103.00"  # 2 seats x 29 + tier 45
    assert preview["nextInvoiceAfter"]["amount"] == "74.00"
    [seat] = [s for s in await db.seats(acme.id) if s.id == dana.seat_id]
    assert seat.status is SeatStatus.PENDING_REMOVAL
    assert seat.user_id is None
    assert seat.removal_effective_at == datetime(2026, 4, 1, tzinfo=UTC)
    [row] = await db.ledger(acme.id)
    assert (row.kind, row.amount) == (LedgerEntryKind.SCHEDULED, Decimal("0.00"))
    assert row.effective_at == datetime(2026, 4, 1, tzinfo=UTC)


async def test_account_owner_cannot_be_deactivated(api, factory):
    acme = await factory.account()
    admin = await factory.user(acme, role=Role.ADMIN)

    data = await api.data(DEACTIVATE_USER, {"input": {"userId": acme.owner.gid}}, token=admin.token)

    assert data["deactivateUser"]["userErrors"][0]["code"] == "ACCOUNT_OWNER"
    assert data["deactivateUser"]["userErrors"][0]["field"] == ["input", "userId"]


async def test_admin_cannot_deactivate_themselves(api, factory):
    acme = await factory.account()
    admin = await factory.user(acme, role=Role.ADMIN)

    data = await api.data(DEACTIVATE_USER, {"input": {"userId": admin.gid}}, token=admin.token)

    assert data["deactivateUser"]["userErrors"][0]["code"] == "INVALID_INPUT"


async def test_only_active_users_can_be_deactivated(api, factory):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)

    data = await api.data(DEACTIVATE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    assert data["deactivateUser"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_regular_users_cannot_deactivate_anyone(api, factory):
    acme = await factory.account()
    regular = await factory.user(acme)
    other = await factory.user(acme)

    data = await api.data(DEACTIVATE_USER, {"input": {"userId": other.gid}}, token=regular.token)

    assert data["deactivateUser"]["userErrors"][0]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("kind", ["unknown", "wrong_type", "other_account", "garbage"])
async def test_unknown_wrong_type_and_foreign_ids_are_not_found(api, factory, kind):
    acme = await factory.account()
    globex = await factory.account("Globex")
    stranger = await factory.user(globex)
    ids = {
        "unknown": gid("User", 999_999),
        "wrong_type": gid("Seat", acme.owner.seat_id),
        "other_account": stranger.gid,
        "garbage": "not-an-id",
    }

    data = await api.data(DEACTIVATE_USER, {"input": {"userId": ids[kind]}}, token=acme.owner.token)

    assert data["deactivateUser"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert data["deactivateUser"]["userErrors"][0]["field"] == ["input", "userId"]


async def test_dry_run_previews_and_changes_nothing(api, factory, sessionmaker):
    acme = await factory.account()
    dana = await factory.user(acme)
    db = Db(sessionmaker)

    data = await api.data(
        DEACTIVATE_USER,
        {"input": {"userId": dana.gid, "removeSeat": True, "dryRun": True}},
        token=acme.owner.token,
    )

    assert data["deactivateUser"]["billingPreview"]["nextInvoiceAfter"]["amount"] == "74.00"
    assert (await db.user(dana.id)).status is UserStatus.ACTIVE
    assert await db.live_sessions(dana.id) == 1
    assert await db.count(LedgerEntry, account_id=acme.id) == 0
    assert await db.count(AuditEvent, account_id=acme.id) == 0


async def test_a_failure_midway_rolls_everything_back_and_audits_nothing(
    api, factory, sessionmaker, monkeypatch
):
    acme = await factory.account()
    dana = await factory.user(acme)
    db = Db(sessionmaker)

    async def explode(*_args, **_kwargs):
        raise RuntimeError("database went away")

    # Status and seat are already written when the sessions are revoked.
    monkeypatch.setattr("resolvers.users.lifecycle.revoke_sessions", explode)
    body = await api.execute(
        DEACTIVATE_USER, {"input": {"userId": dana.gid, "removeSeat": True}}, token=acme.owner.token
    )

    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert (await db.user(dana.id)).status is UserStatus.ACTIVE
    [seat] = [s for s in await db.seats(acme.id) if s.id == dana.seat_id]
    assert (seat.status, seat.user_id) == (SeatStatus.OCCUPIED, dana.id)
    assert await db.live_sessions(dana.id) == 1
    assert await db.count(LedgerEntry, account_id=acme.id) == 0
    assert await db.count(AuditEvent, account_id=acme.id) == 0
