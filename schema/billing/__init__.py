"""Billing types: subscription, contact tier and usage, previews and their lines."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.billing.subscriptions import SubscriptionView, load_subscription
from resolvers.contacts import count_marketing
from resolvers.context import RequestContext
from resolvers.rules import billing as rules
from schema.common import Money, money


@strawberry.type(description="A rung of the marketing-contact ladder.")
class ContactTier:
    limit: int = strawberry.field(description="Marketing contacts included.")
    price: Money = strawberry.field(description="Price per monthly period.")

    @classmethod
    def from_tier(cls, tier: rules.Tier, currency: str) -> ContactTier:
        return cls(limit=tier.limit, price=money(tier.price, currency))


@strawberry.type(
    description="The account's subscription: monthly periods, billed per seat and tier."
)
class BillingSubscription:
    currency_code: str = strawberry.field(description="ISO 4217 currency of every amount.")
    seat_price: Money = strawberry.field(description="Price of one billable seat per period.")
    current_period_start: datetime = strawberry.field(
        description="Start of the current period (UTC, ISO-8601)."
    )
    next_bill_date: datetime = strawberry.field(
        description="End of the current period (UTC): renewal invoice, pending seat removals and "
        "marketing contacts switched off stop counting."
    )
    contact_tier: ContactTier = strawberry.field(
        description="The tier in force; it rises by itself when needed, never falls by itself."
    )

    @classmethod
    def from_view(cls, view: SubscriptionView) -> BillingSubscription:
        row = view.row
        return cls(
            currency_code=row.currency,
            seat_price=money(row.seat_price, row.currency),
            current_period_start=row.period_start,
            next_bill_date=row.period_end,
            contact_tier=ContactTier.from_tier(view.tier, row.currency),
        )


@strawberry.type(description='The "usage & limits" view of marketing contacts.')
class ContactUsage:
    marketing_contacts: int = strawberry.field(description="Contacts that are MARKETING now.")
    billed_marketing_contacts: int = strawberry.field(
        description="Contacts billed this period: MARKETING now, plus those switched off until "
        "their billedAsMarketingUntil."
    )
    tier: ContactTier = strawberry.field(description="The contact tier in force.")
    percent_used: float = strawberry.field(
        description="Billed contacts as % of the tier limit, 1 decimal, half-up; may pass 100. "
        "Admins are notified at 90 and 100."
    )
    next_update_date: datetime = strawberry.field(
        description="When contacts switched off marketing leave the billed count (the next bill "
        "date, UTC)."
    )


async def resolve_contact_usage(ctx: RequestContext) -> ContactUsage:
    """The "usage & limits" view: counted with one aggregate query, never by loading contacts.

    The next update date is the next bill date: that is when contacts switched off marketing stop
    counting toward the billed figure.
    """
    view = await load_subscription(ctx)
    counts = await count_marketing(ctx, ctx.viewer.account_id)
    tier = view.tier
    return ContactUsage(
        marketing_contacts=counts.marketing,
        billed_marketing_contacts=counts.billed,
        tier=ContactTier.from_tier(tier, view.row.currency),
        percent_used=rules.percent_used(counts.billed, tier),
        next_update_date=view.row.period_end,
    )


@strawberry.type(description="One itemised line of a billing preview.")
class BillingLine:
    description: str = strawberry.field(description="What is billed, for a person.")
    quantity: int = strawberry.field(description="Seats, or 1 for a contact tier change.")
    unit_price: Money = strawberry.field(
        description="Full-period price of one unit (for a tier change: the price difference)."
    )
    amount: Money = strawberry.field(
        description="Charged for the line: prorated per seat, rounded half-up to the cent; 0.00 "
        "for removals scheduled or cancelled (they change the next invoice)."
    )
    prorated: bool = strawberry.field(description="Covers only part of a period.")
    period_start: datetime = strawberry.field(description="Start of the time covered (UTC).")
    period_end: datetime = strawberry.field(description="End of the time covered (UTC).")


@strawberry.type(
    description="What a seat or contact change costs, before and after; nothing is changed by "
    "asking."
)
class BillingPreview:
    proration_date: datetime = strawberry.field(
        description=(
            "The instant the proration was computed for; pass it back as prorationDate "
            "to be charged exactly this."
        )
    )
    immediate_charge: Money = strawberry.field(
        description="Charged for the change, prorated to the period's end (a tier upgrade is "
        "posted the next day); 0.00 when nothing is bought."
    )
    next_invoice_before: Money = strawberry.field(
        description="The renewal invoice at the next bill date without the change."
    )
    next_invoice_after: Money = strawberry.field(
        description="The renewal invoice at the next bill date with the change."
    )
    next_bill_date: datetime = strawberry.field(description="End of the current period (UTC).")
    billable_seats_before: int = strawberry.field(
        description="OCCUPIED + FREE + PENDING_REMOVAL seats now."
    )
    billable_seats_after: int = strawberry.field(
        description="Billable seats after the change (this period)."
    )
    contact_tier_before: ContactTier = strawberry.field(description="Contact tier now.")
    contact_tier_after: ContactTier = strawberry.field(description="Contact tier after the change.")
    lines: list[BillingLine] = strawberry.field(description="Itemised lines of the change.")

    @classmethod
    def from_preview(cls, preview: rules.BillingPreview) -> BillingPreview:
        currency = preview.currency
        return cls(
            proration_date=preview.proration_date,
            immediate_charge=money(preview.immediate_charge, currency),
            next_invoice_before=money(preview.next_invoice_before, currency),
            next_invoice_after=money(preview.next_invoice_after, currency),
            next_bill_date=preview.next_bill_date,
            billable_seats_before=preview.billable_seats_before,
            billable_seats_after=preview.billable_seats_after,
            contact_tier_before=ContactTier.from_tier(preview.tier_before, currency),
            contact_tier_after=ContactTier.from_tier(preview.tier_after, currency),
            lines=[
                BillingLine(
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=money(line.unit_price, currency),
                    amount=money(line.amount, currency),
                    prorated=line.prorated,
                    period_start=line.period_start,
                    period_end=line.period_end,
                )
                for line in preview.lines
            ],
        )


@strawberry.type
class BillingQuery:
    @strawberry.field(
        description="Marketing contacts against the contact tier (any signed-in user)."
    )
    async def contact_usage(self, info: strawberry.Info[RequestContext]) -> ContactUsage:
        return await resolve_contact_usage(info.context)
