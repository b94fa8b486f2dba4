"""closeAccount(dryRun: true): consequences counted as the close deletes; nothing changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db import models
from tests.accounts.helpers import full_account, rows_per_table

DRY_RUN = """
mutation($input: CloseAccountInput!) {
  closeAccount(input: $input) {
    closedAccountId
    consequences {
      users contacts deals leads organizations activities seats ledgerEntries auditEvents
      sessionsEnded fullExportExists fullExportAt
      seatChargePerPeriod { amount currencyCode }
      tierChargePerPeriod { amount currencyCode }
    }
    userErrors { field code message }
  }
}
"""

#: Consequence field -> the table whose rows it counts.
COUNTED = {
    "users": "users",
    "contacts": "contacts",
    "deals": "deals",
    "leads": "leads",
    "organizations": "organizations",
    "activities": "activities",
    "seats": "seats",
    "ledgerEntries": "billing_ledger",
    "auditEvents": "audit_events",
}


async def dry_run(api, token, confirm: str = ""):
    variables = {"input": {"confirmName": confirm, "dryRun": True}}
    return (await api.data(DRY_RUN, variables, token=token))["closeAccount"]


async def test_dry_run_counts_equal_what_the_close_deletes(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    # One expired session: it is deleted but not "ended" (it had already ended).
    async with sessionmaker.begin() as session:
        session.add(
            models.AuthSession(
                account_id=acme.account.id,
                user_id=acme.seller.id,
                token_hash="expired".ljust(64, "0"),
                created_at=factory.now - timedelta(days=3),
                expires_at=factory.now - timedelta(days=2),
            )
        )
    before = await rows_per_table(sessionmaker, acme.account.id)

    payload = await dry_run(api, acme.account.owner.token)

    assert payload["closedAccountId"] is None
    assert payload["userErrors"] == []
    consequences = payload["consequences"]
    assert await rows_per_table(sessionmaker, acme.account.id) == before  # nothing changed
    live_sessions = before["sessions"] - 1

    close = await api.data(
        DRY_RUN,
        {"input": {"confirmName": "Acme Corp", "acknowledgeDataLoss": True}},
        token=acme.account.owner.token,
    )
    assert close["closeAccount"]["closedAccountId"] == acme.account.gid
    assert close["closeAccount"]["consequences"] is None
    after = await rows_per_table(sessionmaker, acme.account.id)
    deleted = {field: before[table] - after[table] for field, table in COUNTED.items()}
    assert {field: consequences[field] for field in COUNTED} == deleted
    assert all(deleted.values()), deleted  # every count is exercised
    assert consequences["sessionsEnded"] == live_sessions
    # 5 billable seats (owner, admin, seller, 1 free, 1 pending removal) at 29.00.
    assert consequences["seatChargePerPeriod"] == {"amount": "145.00", "currencyCode": "EUR"}
    assert consequences["tierChargePerPeriod"]["currencyCode"] == "EUR"
    assert consequences["fullExportExists"] is False
    assert consequences["fullExportAt"] is None


async def test_dry_run_reports_the_full_export(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    async with sessionmaker.begin() as session:
        await session.execute(
            update(models.Account)
            .where(models.Account.id == acme.account.id)
            .values(full_export_at=factory.now)
        )

    consequences = (await dry_run(api, acme.account.owner.token))["consequences"]

    assert consequences["fullExportExists"] is True
    assert consequences["fullExportAt"] is not None


async def test_only_the_owner_may_ask_for_the_consequences(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    before = await rows_per_table(sessionmaker, acme.account.id)

    payload = await dry_run(api, acme.admin.token, confirm="Acme Corp")

    assert payload["consequences"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["FORBIDDEN"]
    assert await rows_per_table(sessionmaker, acme.account.id) == before
