"""Creating deals: any active user may; the owner defaults to the viewer and must be active."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from db.models import Deal, Subscription
from resolvers import audit
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import encode_global_id
from resolvers.rules.billing import round_cents
from resolvers.users.lifecycle import lock_new_owner

#: Deal values are stored as cents; anything beyond this is a typo, not a deal.
MAX_DEAL_VALUE = Decimal("1000000000000.00")


@dataclass(frozen=True)
class CreateDealData:
    title: str
    value: Decimal
    owner_id: str | None = None


def _checked(data: CreateDealData) -> tuple[str, Decimal]:
    title = data.title.strip()
    if not title or len(title) > 300:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT, "Enter a title of 1 to 300 characters.", ["input", "title"]
        )
    value = data.value
    if not value.is_finite() or value < 0 or value > MAX_DEAL_VALUE or value != round_cents(value):
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            "The value must be a non-negative amount in whole cents.",
            ["input", "value"],
        )
    return title, round_cents(value) + 0  # "+ 0" turns a "-0" into "0.00"


async def create_deal(ctx: RequestContext, data: CreateDealData) -> Deal:
    viewer = ctx.viewer
    title, value = _checked(data)
    owner_gid = data.owner_id or encode_global_id("User", viewer.user_id)
    async with ctx.db.write() as session:
        owner = await lock_new_owner(session, viewer.account_id, owner_gid, ["input", "ownerId"])
        currency = (
            await session.scalars(
                select(Subscription.currency).where(Subscription.account_id == viewer.account_id)
            )
        ).one()
        deal = Deal(
            account_id=viewer.account_id,
            owner_id=owner.id,
            title=title,
            value=value,
            currency=currency,
            created_at=ctx.now,
        )
        session.add(deal)
        await session.flush()
        audit.record_for(
            session,
            ctx,
            "deal.create",
            encode_global_id("Deal", deal.id),
            {"owner": encode_global_id("User", owner.id), "value": f"{value} {currency}"},
        )
    return deal
