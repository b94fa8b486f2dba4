"""Seat changes are all or nothing, and concurrent retries with one key charge once."""

from __future__ import annotations

import asyncio

from db.enums import LedgerEntryKind
from db.models import AuditEvent, IdempotencyRecord, LedgerEntry
from tests.billing.helpers import ADD_SEATS, Db


async def test_failure_after_buying_seats_leaves_no_seat_no_charge_no_audit(
    api, factory, sessionmaker, monkeypatch
):
    acme = await factory.account(pending_removal_seats=1)
    db = Db(sessionmaker)

    def explode(*_args, **_kwargs):
        raise RuntimeError("ledger unavailable")

    # Seats are cancelled and bought (and flushed) before the ledger is written.
    monkeypatch.setattr("resolvers.billing.write_ledger", explode)
    body = await api.execute(ADD_SEATS, {"input": {"count": 3}}, token=acme.owner.token)

    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "ledger unavailable" not in str(body)
    assert len(await db.seats(acme.id)) == 2
    assert await db.count(LedgerEntry, account_id=acme.id) == 0
    assert await db.count(AuditEvent, account_id=acme.id) == 0


async def test_concurrent_retries_with_one_idempotency_key_charge_once(api, factory, sessionmaker):
    acme = await factory.account()
    db = Db(sessionmaker)
    variables = {"input": {"count": 2, "idempotencyKey": "double-click"}}

    results = await asyncio.gather(
        *(api.data(ADD_SEATS, variables, token=acme.owner.token) for _ in range(5))
    )

    previews = {str(r["addSeats"]["billingPreview"]) for r in results}
    assert len(previews) == 1
    assert all(r["addSeats"]["userErrors"] == [] for r in results)
    assert len(await db.seats(acme.id)) == 3
    assert await db.count(LedgerEntry, account_id=acme.id, kind=LedgerEntryKind.CHARGE) == 1
    assert await db.count(IdempotencyRecord, account_id=acme.id) == 1
