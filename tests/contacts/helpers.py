"""GraphQL documents and database checks shared by the marketing-contact tests."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import models
from db.enums import MarketingStatus

USAGE_FIELDS = """
  marketingContacts billedMarketingContacts
  tier { limit price { amount currencyCode } }
  percentUsed nextUpdateDate
"""

PREVIEW_FIELDS = """
  prorationDate nextBillDate
  immediateCharge { amount currencyCode }
  nextInvoiceBefore { amount } nextInvoiceAfter { amount }
  billableSeatsBefore billableSeatsAfter
  contactTierBefore { limit price { amount } } contactTierAfter { limit price { amount } }
  lines {
    description quantity unitPrice { amount } amount { amount } prorated periodStart periodEnd
  }
"""

SET_STATUS = f"""
mutation($input: SetMarketingStatusInput!) {{
  setMarketingStatus(input: $input) {{
    updatedCount
    usage {{ {USAGE_FIELDS} }}
    billingPreview {{ {PREVIEW_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}
"""

CREATE_CONTACT = """
mutation($input: CreateContactInput!) {
  createContact(input: $input) {
    contact { id name email marketingStatus source billedAsMarketingUntil owner { id } }
    userErrors { field code message }
  }
}
"""

CONTACT_USAGE = f"""
query {{
  contactUsage {{ {USAGE_FIELDS} }}
  account {{ contactUsage {{ {USAGE_FIELDS} }} subscription {{ contactTier {{ limit }} }} }}
}}
"""


async def set_status(api: Any, token: str | None, **input_: Any) -> dict[str, Any]:
    data = await api.data(SET_STATUS, {"input": input_}, token=token)
    payload: dict[str, Any] = data["setMarketingStatus"]
    return payload


async def usage(api: Any, token: str | None) -> dict[str, Any]:
    data = await api.data(CONTACT_USAGE, token=token)
    assert data["contactUsage"] == data["account"]["contactUsage"]
    result: dict[str, Any] = data["contactUsage"]
    return result


async def marketing_count(sessionmaker: async_sessionmaker[AsyncSession], account_id: int) -> int:
    async with sessionmaker() as session:
        value = await session.scalar(
            select(func.count(models.Contact.id)).where(
                models.Contact.account_id == account_id,
                models.Contact.marketing_status == MarketingStatus.MARKETING,
            )
        )
    return int(value or 0)


async def ledger(
    sessionmaker: async_sessionmaker[AsyncSession], account_id: int
) -> list[models.LedgerEntry]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(models.LedgerEntry)
            .where(models.LedgerEntry.account_id == account_id)
            .order_by(models.LedgerEntry.id)
        )
        return list(rows.all())


async def subscription(
    sessionmaker: async_sessionmaker[AsyncSession], account_id: int
) -> models.Subscription:
    async with sessionmaker() as session:
        return (
            await session.scalars(
                select(models.Subscription).where(models.Subscription.account_id == account_id)
            )
        ).one()


async def audit_events(
    sessionmaker: async_sessionmaker[AsyncSession], account_id: int, action: str
) -> list[dict[str, Any]]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(models.AuditEvent)
            .where(models.AuditEvent.account_id == account_id, models.AuditEvent.action == action)
            .order_by(models.AuditEvent.id)
        )
        return [json.loads(row.details) | {"_target": row.target_id} for row in rows.all()]


async def notifications(
    sessionmaker: async_sessionmaker[AsyncSession], account_id: int
) -> list[models.Notification]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(models.Notification)
            .where(models.Notification.account_id == account_id)
            .order_by(models.Notification.threshold)
        )
        return list(rows.all())


async def fresh_token(api: Any, email: str | None) -> str:
    """Log in again (after moving the clock past the factory token's expiry)."""
    from tests.factories import PASSWORD

    data = await api.data(
        "mutation($input: LoginInput!) { login(input: $input) { token userErrors { code } } }",
        {"input": {"email": email, "password": PASSWORD}},
    )
    token: str = data["login"]["token"]
    return token
