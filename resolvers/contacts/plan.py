"""The account's contact plan settings (issue 17; HubSpot "prevent the contact tier upgrade").

- ``preventTierUpgrades`` (admins set it, audited ``contact_plan.set``): when on, no change moves
  the account to a higher contact tier. A change that would take the billed marketing contacts
  past the current tier's limit does not happen (``TIER_LIMIT_REACHED``, saying how many more
  fit); a contact created as MARKETING beyond the limit is created NON_MARKETING instead.
- ``marketingContactsIncluded``: whether the subscription includes marketing contacts. Without
  them nothing may become MARKETING (``MARKETING_NOT_IN_PLAN``).
- No row means the defaults: upgrades allowed, marketing contacts included.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactPlanSettings
from resolvers import audit
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import encode_global_id
from resolvers.permissions import require_admin


@dataclass(frozen=True)
class ContactPlan:
    prevent_tier_upgrades: bool = False
    marketing_contacts_included: bool = True


async def read_contact_plan(session: AsyncSession, account_id: int) -> ContactPlan:
    row = (
        await session.scalars(
            select(ContactPlanSettings).where(ContactPlanSettings.account_id == account_id)
        )
    ).one_or_none()
    if row is None:
        return ContactPlan()
    return ContactPlan(row.prevent_tier_upgrades, row.marketing_contacts_included)


async def load_contact_plan(ctx: RequestContext) -> ContactPlan:
    """The viewer's contact plan, read once per request."""
    cached = ctx.memo.get("contact_plan")
    if isinstance(cached, ContactPlan):
        return cached
    async with ctx.db.read() as session:
        plan = await read_contact_plan(session, ctx.viewer.account_id)
    ctx.memo["contact_plan"] = plan
    return plan


def refuse_marketing_not_in_plan(plan: ContactPlan, field: list[str]) -> None:
    if not plan.marketing_contacts_included:
        raise BusinessError.of(
            ErrorCode.MARKETING_NOT_IN_PLAN,
            "Your subscription does not include marketing contacts; "
            "contacts can only be non-marketing.",
            field,
        )


def tier_limit_refusal(
    plan: ContactPlan, tier_limit: int, billed_before: int, billed_after: int
) -> BusinessError | None:
    """``TIER_LIMIT_REACHED`` when upgrades are prevented and the change would pass the limit."""
    if not plan.prevent_tier_upgrades or billed_after <= billed_before:
        return None
    if billed_after <= tier_limit:
        return None
    room = max(0, tier_limit - billed_before)
    return BusinessError.of(
        ErrorCode.TIER_LIMIT_REACHED,
        f"Tier upgrades are prevented: only {room:,} more marketing contacts fit in your "
        f"contact tier of {tier_limit:,} ({billed_after - billed_before:,} asked for).",
        ["input", "status"],
    )


@dataclass(frozen=True)
class ContactPlanData:
    prevent_tier_upgrades: bool | None = None
    marketing_contacts_included: bool | None = None


async def set_contact_plan(ctx: RequestContext, data: ContactPlanData) -> ContactPlan:
    """Admins only (``FORBIDDEN``); a field left out keeps its value; audited when it changes."""
    viewer = require_admin(ctx, "Only account admins can change the contact plan settings.")
    async with ctx.db.write() as session:
        row = (
            await session.scalars(
                select(ContactPlanSettings)
                .where(ContactPlanSettings.account_id == viewer.account_id)
                .with_for_update()
            )
        ).one_or_none()
        if row is None:
            row = ContactPlanSettings(
                account_id=viewer.account_id,
                prevent_tier_upgrades=False,
                marketing_contacts_included=True,
                updated_at=ctx.now,
            )
            session.add(row)
        before = ContactPlan(row.prevent_tier_upgrades, row.marketing_contacts_included)
        if data.prevent_tier_upgrades is not None:
            row.prevent_tier_upgrades = data.prevent_tier_upgrades
        if data.marketing_contacts_included is not None:
            row.marketing_contacts_included = data.marketing_contacts_included
        after = ContactPlan(row.prevent_tier_upgrades, row.marketing_contacts_included)
        if after != before:
            row.updated_at = ctx.now
            audit.record_for(
                session,
                ctx,
                "contact_plan.set",
                encode_global_id("Account", viewer.account_id),
                {
                    "prevent_tier_upgrades": [
                        before.prevent_tier_upgrades,
                        after.prevent_tier_upgrades,
                    ],
                    "marketing_contacts_included": [
                        before.marketing_contacts_included,
                        after.marketing_contacts_included,
                    ],
                },
            )
    ctx.memo["contact_plan"] = after
    return after
