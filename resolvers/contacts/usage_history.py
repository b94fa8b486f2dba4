"""Daily marketing-contact figures per account, for a usage chart (issue 17, HubSpot "dashboard").

Rules written down:
- A day's point is the account's marketing and billed-marketing counts at the end of that day
  (the last figure taken that day). A figure is taken in the same transaction as every change
  that moves the counts (a contact created as MARKETING, a marketing-status switch), when the
  billing period rolls over on the first request after a bill date (switched-off contacts stop
  being billed then). ``contactUsageHistory`` reads today's figure live (the query writes
  nothing). Ordinary requests pay nothing for it.
- The counts change only at those moments, so a day without a point has the last known figure:
  the answer has one point per day. Days before the first known figure are left out.
- ``contactUsageHistory(from, to)``: admins only (``FORBIDDEN``); dates are UTC days;
  ``from`` after ``to`` or a range of more than 366 days is ``INVALID_INPUT``; days after today
  are left out.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactUsageDay
from resolvers.contacts import marketing_counts_query
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.permissions import require_admin
from resolvers.rules.contacts import MAX_HISTORY_DAYS, UsagePoint, fill_daily


async def record_usage_day(session: AsyncSession, account_id: int, now: datetime) -> None:
    """Today's figure (UTC day), replacing an earlier one of the same day."""
    marketing, billed = (await session.execute(marketing_counts_query(account_id, now))).one()
    values = {
        "account_id": account_id,
        "day": now.date(),
        "marketing_contacts": int(marketing),
        "billed_marketing_contacts": int(billed),
        "taken_at": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ContactUsageDay).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "day"],
        set_={
            "marketing_contacts": statement.excluded.marketing_contacts,
            "billed_marketing_contacts": statement.excluded.billed_marketing_contacts,
            "taken_at": statement.excluded.taken_at,
        },
    )
    await session.execute(statement)


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise BusinessError.of(ErrorCode.INVALID_INPUT, "from must not be after to.", ["from"])
    if (end - start).days + 1 > MAX_HISTORY_DAYS:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            f"Ask for at most {MAX_HISTORY_DAYS} days at once.",
            ["to"],
        )


def _point(row: ContactUsageDay) -> UsagePoint:
    return UsagePoint(row.day, row.marketing_contacts, row.billed_marketing_contacts)


async def contact_usage_history(ctx: RequestContext, start: date, end: date) -> list[UsagePoint]:
    viewer = require_admin(ctx, "Only account admins can see the contact usage history.")
    _check_range(start, end)
    today = ctx.now.date()
    end = min(end, today)
    if start > end:
        return []
    account_id = viewer.account_id
    async with ctx.db.read() as session:
        rows = (
            await session.scalars(
                select(ContactUsageDay)
                .where(
                    ContactUsageDay.account_id == account_id,
                    ContactUsageDay.day >= start,
                    ContactUsageDay.day <= end,
                )
                .order_by(ContactUsageDay.day)
            )
        ).all()
        before = (
            await session.scalars(
                select(ContactUsageDay)
                .where(ContactUsageDay.account_id == account_id, ContactUsageDay.day < start)
                .order_by(ContactUsageDay.day.desc())
                .limit(1)
            )
        ).first()
    return fill_daily([_point(row) for row in rows], start, end, _point(before) if before else None)
