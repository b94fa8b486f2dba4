"""Accounts full of data, for closing and exporting: a row in every table that has account_id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Table, func, select

from db import models
from db.enums import (
    ContactSource,
    LedgerEntryKind,
    MarketingStatus,
    OutboxStatus,
    Role,
    UserStatus,
    UserTokenPurpose,
    UserTokenState,
)
from tests.factories import AccountHandle, Factory, UserHandle

CLOSE_ACCOUNT = """
mutation($input: CloseAccountInput!) {
  closeAccount(input: $input) { closedAccountId userErrors { field code message } }
}
"""

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token userErrors { code } }
}
"""


@dataclass
class FullAccount:
    account: AccountHandle
    admin: UserHandle
    seller: UserHandle


async def full_account(factory: Factory, name: str) -> FullAccount:
    """An account with users of every status, seats, items and one row in every other table."""
    account = await factory.account(name, free_seats=1, pending_removal_seats=1)
    admin = await factory.user(account, role=Role.ADMIN)
    seller = await factory.user(account)
    await factory.user(account, status=UserStatus.DEACTIVATED)
    await factory.contacts(account, 4, owner=seller, status=MarketingStatus.MARKETING)
    await factory.deals(account, 3, owner=seller)
    await factory.owned_items(account, seller, 2)
    now = factory.now
    async with factory.sessionmaker.begin() as session:
        session.add_all(
            [
                models.LedgerEntry(
                    account_id=account.id,
                    kind=LedgerEntryKind.CHARGE,
                    description="-1 seat, prorated",
                    quantity=1,
                    unit_price=Decimal("29.00"),
                    amount=Decimal("-14.03"),
                    currency="EUR",
                    prorated=True,
                    period_start=now - timedelta(days=14),
                    period_end=now + timedelta(days=17),
                    effective_at=now,
                    created_at=now,
                    actor_user_id=account.owner.id,
                    operation_id="op-1",
                ),
                models.IdempotencyRecord(
                    account_id=account.id,
                    key=f"key-{name}",
                    operation="addSeats",
                    request_fingerprint="f" * 64,
                    response="{}",
                    created_at=now,
                ),
                models.ContactSourceDefault(
                    account_id=account.id,
                    source=ContactSource.API,
                    marketing_status=MarketingStatus.MARKETING,
                ),
                models.Notification(
                    account_id=account.id,
                    kind="contact_tier",
                    threshold=90,
                    period_start=now - timedelta(days=14),
                    message="90 % of the contact tier used",
                    created_at=now,
                ),
                models.UserToken(
                    account_id=account.id,
                    user_id=admin.id,
                    purpose=UserTokenPurpose.PASSWORD_RESET,
                    state=UserTokenState.PENDING,
                    token_hash=f"{name}-token".ljust(64, "0"),
                    created_at=now,
                    expires_at=now + timedelta(hours=1),
                ),
                models.OutboxMessage(
                    account_id=account.id,
                    user_id=admin.id,
                    kind="password_reset",
                    recipient=admin.email or "",
                    subject="Reset your CRM password",
                    body="...",
                    status=OutboxStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                ),
                models.ContactPlanSettings(
                    account_id=account.id,
                    prevent_tier_upgrades=True,
                    marketing_contacts_included=True,
                    updated_at=now,
                ),
                models.ContactUsageDay(
                    account_id=account.id,
                    day=now.date(),
                    marketing_contacts=4,
                    billed_marketing_contacts=4,
                    taken_at=now,
                ),
                models.ScimToken(
                    account_id=account.id,
                    name="Okta",
                    token_hash=f"{name}-scim".ljust(64, "0"),
                    created_at=now,
                ),
                models.AuditEvent(
                    account_id=account.id,
                    actor_user_id=account.owner.id,
                    action="seat.add",
                    target_id=None,
                    occurred_at=now,
                    details="{}",
                ),
            ]
        )
    return FullAccount(account, admin, seller)


def account_tables() -> list[Table]:
    """Every table that carries an ``account_id`` column."""
    return [t for t in models.Base.metadata.sorted_tables if "account_id" in t.columns]


async def rows_per_table(sessionmaker, account_id: int) -> dict[str, int]:
    """How many rows each account table holds for ``account_id`` (the accounts row included)."""
    counts: dict[str, int] = {}
    async with sessionmaker() as session:
        for table in account_tables():
            counts[table.name] = int(
                await session.scalar(
                    select(func.count()).select_from(table).where(table.c.account_id == account_id)
                )
            )
        counts["accounts"] = int(
            await session.scalar(select(func.count()).where(models.Account.id == account_id))
        )
    return counts
