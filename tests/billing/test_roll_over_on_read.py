"""The first request after the bill date renews the period, so reads are never stale."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from db import models
from db.enums import LedgerEntryKind

SUMMARY = """{ account { subscription { currentPeriodStart nextBillDate }
  seatSummary { billable pendingRemoval free nextBillDate } } }"""


async def test_a_read_after_the_bill_date_sees_the_renewed_period(
    api, factory, clock, sessionmaker
):
    acme = await factory.account(pending_removal_seats=2, free_seats=1)
    before = (await api.data(SUMMARY, token=acme.owner.token))["account"]
    assert before["seatSummary"]["pendingRemoval"] == 2
    async with sessionmaker.begin() as session:
        await session.execute(
            update(models.AuthSession).values(expires_at=clock.now() + timedelta(days=60))
        )
    clock.advance(timedelta(days=20))

    after = (await api.data(SUMMARY, token=acme.owner.token))["account"]

    assert after["subscription"]["currentPeriodStart"] == before["subscription"]["nextBillDate"]
    assert after["seatSummary"]["pendingRemoval"] == 0
    assert after["seatSummary"]["billable"] == before["seatSummary"]["billable"] - 2
    assert after["seatSummary"]["nextBillDate"] == after["subscription"]["nextBillDate"]
    async with sessionmaker() as session:
        invoices = (
            await session.scalars(
                select(models.LedgerEntry).where(models.LedgerEntry.kind == LedgerEntryKind.INVOICE)
            )
        ).all()
    assert invoices  # the renewal invoice was written once
    again = (await api.data(SUMMARY, token=acme.owner.token))["account"]
    assert again == after
    async with sessionmaker() as session:
        assert len(
            (
                await session.scalars(
                    select(models.LedgerEntry).where(
                        models.LedgerEntry.kind == LedgerEntryKind.INVOICE
                    )
                )
            ).all()
        ) == len(invoices)
