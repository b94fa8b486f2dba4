"""Reading the subscription: seat price, period, contact tier ladder; as pure-rule inputs too."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactTier, Subscription
from resolvers.context import RequestContext
from resolvers.rules.billing import BillingPeriod, Tier


@dataclass(frozen=True)
class SubscriptionView:
    """The subscription with its ladder, read together (one account, two small queries)."""

    row: Subscription
    ladder: tuple[Tier, ...]

    @property
    def period(self) -> BillingPeriod:
        return BillingPeriod(start=self.row.period_start, end=self.row.period_end)

    @property
    def tier(self) -> Tier:
        """The current tier; an account whose limit is off the ladder still gets a sane tier."""
        for tier in self.ladder:
            if tier.limit == self.row.contact_tier_limit:
                return tier
        return Tier(limit=self.row.contact_tier_limit, price=Decimal("0.00"))


async def read_subscription(session: AsyncSession, account_id: int) -> SubscriptionView:
    row = (
        await session.scalars(select(Subscription).where(Subscription.account_id == account_id))
    ).one()
    tiers = (
        await session.scalars(
            select(ContactTier)
            .where(ContactTier.account_id == account_id)
            .order_by(ContactTier.contact_limit)
        )
    ).all()
    ladder = tuple(Tier(limit=t.contact_limit, price=t.monthly_price) for t in tiers)
    return SubscriptionView(row=row, ladder=ladder)


async def load_subscription(ctx: RequestContext) -> SubscriptionView:
    """The viewer's subscription, read once per request."""
    cached = ctx.memo.get("subscription")
    if isinstance(cached, SubscriptionView):
        return cached
    async with ctx.db.read() as session:
        view = await read_subscription(session, ctx.viewer.account_id)
    ctx.memo["subscription"] = view
    return view
