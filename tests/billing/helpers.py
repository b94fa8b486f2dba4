"""Shared by the user, seat, billing and deal tests: mutation documents and database checks."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import models
from db.enums import LedgerEntryKind
from resolvers.ids import encode_global_id

PREVIEW_FIELDS = """
  prorationDate
  immediateCharge { amount currencyCode }
  nextInvoiceBefore { amount }
  nextInvoiceAfter { amount }
  nextBillDate
  billableSeatsBefore
  billableSeatsAfter
  contactTierBefore { limit }
  contactTierAfter { limit }
  lines {
    description quantity unitPrice { amount } amount { amount } prorated periodStart periodEnd
  }
"""

ERRORS = "userErrors { field code message }"

ADD_USER = f"""
mutation($input: AddUserInput!) {{
  addUser(input: $input) {{
    user {{ id name email status role seat {{ status }} }}
    seat {{ id status removalEffectiveAt }}
    billingPreview {{ {PREVIEW_FIELDS} }}
    {ERRORS}
  }}
}}
"""

DEACTIVATE_USER = f"""
mutation($input: DeactivateUserInput!) {{
  deactivateUser(input: $input) {{
    user {{ id status deactivatedAt seat {{ id }} }}
    ownedItems {{ deals contacts leads organizations activities total }}
    billingPreview {{ {PREVIEW_FIELDS} }}
    {ERRORS}
  }}
}}
"""

REACTIVATE_USER = f"""
mutation($input: ReactivateUserInput!) {{
  reactivateUser(input: $input) {{
    user {{ id status deactivatedAt }}
    seat {{ id status removalEffectiveAt }}
    billingPreview {{ {PREVIEW_FIELDS} }}
    {ERRORS}
  }}
}}
"""

DELETE_USER = f"""
mutation($input: DeleteUserInput!) {{
  deleteUser(input: $input) {{
    deletedUserId
    user {{ id displayName name email photoUrl status deletedAt }}
    transferred {{ deals contacts leads organizations activities total }}
    {ERRORS}
  }}
}}
"""

REASSIGN = f"""
mutation($input: ReassignOwnershipInput!) {{
  reassignOwnership(input: $input) {{
    moved {{ deals contacts leads organizations activities total }}
    {ERRORS}
  }}
}}
"""

SEAT_SUMMARY = "seatSummary { billable occupied free pendingRemoval nextBillDate }"

ADD_SEATS = f"""
mutation($input: SeatCountInput!) {{
  addSeats(input: $input) {{ {SEAT_SUMMARY} billingPreview {{ {PREVIEW_FIELDS} }} {ERRORS} }}
}}
"""

REMOVE_SEATS = f"""
mutation($input: SeatCountInput!) {{
  removeUnusedSeats(input: $input) {{
    {SEAT_SUMMARY} billingPreview {{ {PREVIEW_FIELDS} }} {ERRORS}
  }}
}}
"""

BILLING_PREVIEW = f"""
query($change: BillingChangeInput!) {{ billingPreview(change: $change) {{ {PREVIEW_FIELDS} }} }}
"""


def gid(type_name: str, pk: int) -> str:
    return encode_global_id(type_name, pk)


class Db:
    """Direct database reads, so tests check what is stored, not only what the API says."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def user(self, pk: int) -> models.User:
        async with self.sessionmaker() as session:
            row = await session.get(models.User, pk)
            assert row is not None
            return row

    async def seats(self, account_id: int) -> list[models.Seat]:
        async with self.sessionmaker() as session:
            query = select(models.Seat).where(models.Seat.account_id == account_id)
            return list((await session.scalars(query.order_by(models.Seat.id))).all())

    async def ledger(
        self, account_id: int, kind: LedgerEntryKind | None = None
    ) -> list[models.LedgerEntry]:
        async with self.sessionmaker() as session:
            query = select(models.LedgerEntry).where(models.LedgerEntry.account_id == account_id)
            if kind is not None:
                query = query.where(models.LedgerEntry.kind == kind)
            return list((await session.scalars(query.order_by(models.LedgerEntry.id))).all())

    async def audit(self, account_id: int, action: str | None = None) -> list[models.AuditEvent]:
        async with self.sessionmaker() as session:
            query = select(models.AuditEvent).where(models.AuditEvent.account_id == account_id)
            if action is not None:
                query = query.where(models.AuditEvent.action == action)
            return list((await session.scalars(query.order_by(models.AuditEvent.id))).all())

    async def audit_details(self, account_id: int, action: str) -> list[dict[str, Any]]:
        return [json.loads(event.details) for event in await self.audit(account_id, action)]

    async def subscription(self, account_id: int) -> models.Subscription:
        async with self.sessionmaker() as session:
            query = select(models.Subscription).where(models.Subscription.account_id == account_id)
            return (await session.scalars(query)).one()

    async def count(self, model: type[models.Base], **where: object) -> int:
        async with self.sessionmaker() as session:
            table: Any = model
            query = select(func.count()).select_from(model)
            for column, value in where.items():
                query = query.where(getattr(table, column) == value)
            return int(await session.scalar(query) or 0)

    async def live_sessions(self, user_id: int) -> int:
        async with self.sessionmaker() as session:
            query = select(func.count()).where(
                models.AuthSession.user_id == user_id, models.AuthSession.revoked_at.is_(None)
            )
            return int(await session.scalar(query) or 0)


async def fresh_token(api: Any, email: str | None) -> str:
    """Log in again (factory sessions expire a day after the factory's clock)."""
    from tests.factories import PASSWORD

    data = await api.data(
        "mutation($i: LoginInput!) { login(input: $i) { token } }",
        {"i": {"email": email, "password": PASSWORD}},
    )
    token: str = data["login"]["token"]
    return token
