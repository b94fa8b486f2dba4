"""Billing types: subscription, contact tier and usage, previews and their lines."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.billing import upcoming_invoice
from resolvers.billing.subscriptions import SubscriptionView, load_subscription
from resolvers.contacts import count_marketing
from resolvers.context import RequestContext
from resolvers.rules import billing as rules
from schema.common import Money, money
from schema.extensions import BusinessErrorsAsRequestErrors


@strawberry.type
class ContactTier:
    limit: int
    price: Money

    @classmethod
    def from_tier(cls, tier: rules.Tier, currency: str) -> ContactTier:
        return cls(limit=tier.limit, price=money(tier.price, currency))


@strawberry.type
class BillingSubscription:
    currency_code: str
    seat_price: Money
    current_period_start: datetime
    next_bill_date: datetime
    contact_tier: ContactTier

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


@strawberry.type
class ContactUsage:
    marketing_contacts: int
    billed_marketing_contacts: int
    tier: ContactTier
    percent_used: float
    next_update_date: datetime


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


@strawberry.type
class BillingLine:
    description: str
    quantity: int
    unit_price: Money
    amount: Money
    prorated: bool
    period_start: datetime
    period_end: datetime


@strawberry.type
class BillingPreview:
    proration_date: datetime = strawberry.field(
        description=(
            "The instant the proration was computed for; pass it back as prorationDate "
            "to be charged exactly this."
        )
    )
    immediate_charge: Money
    next_invoice_before: Money
    next_invoice_after: Money
    next_bill_date: datetime
    billable_seats_before: int
    billable_seats_after: int
    contact_tier_before: ContactTier
    contact_tier_after: ContactTier
    lines: list[BillingLine]

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
            lines=[_line(line, currency) for line in preview.lines],
        )


def _line(line: rules.BillingLine, currency: str) -> BillingLine:
    return BillingLine(
        description=line.description,
        quantity=line.quantity,
        unit_price=money(line.unit_price, currency),
        amount=money(line.amount, currency),
        prorated=line.prorated,
        period_start=line.period_start,
        period_end=line.period_end,
    )


@strawberry.type(
    description=(
        "The invoice to be issued at the next bill date, as things stand now (contract "
        "addition). Its total always equals billingPreview(...).nextInvoiceBefore."
    )
)
class UpcomingInvoice:
    date: datetime = strawberry.field(description="When it is issued: the next bill date.")
    period_start: datetime = strawberry.field(description="Start of the period it pays for.")
    period_end: datetime = strawberry.field(
        description="End (exclusive) of the period it pays for: the bill date after next."
    )
    lines: list[BillingLine] = strawberry.field(
        description=(
            "One line per item: renewing seats x seat price, seats leaving at the bill date "
            "(amount 0, shown so the reader sees why they are not billed), the contact tier, "
            "and credits (negative amounts) if any."
        )
    )
    subtotal: Money = strawberry.field(description="Sum of the line amounts, exact decimal.")
    total: Money = strawberry.field(
        description="What will be billed: the subtotal (no tax or discounts in this model)."
    )

    @classmethod
    def from_invoice(cls, invoice: rules.Invoice) -> UpcomingInvoice:
        currency = invoice.currency
        return cls(
            date=invoice.date,
            period_start=invoice.period.start,
            period_end=invoice.period.end,
            lines=[_line(line, currency) for line in invoice.lines],
            subtotal=money(invoice.subtotal, currency),
            total=money(invoice.total, currency),
        )


@strawberry.type
class BillingQuery:
    @strawberry.field
    async def contact_usage(self, info: strawberry.Info[RequestContext]) -> ContactUsage:
        return await resolve_contact_usage(info.context)

    @strawberry.field(
        description=(
            "The next invoice as things stand now (contract addition). Admins only: "
            "FORBIDDEN GraphQL error otherwise."
        ),
        extensions=[BusinessErrorsAsRequestErrors(None)],
    )
    async def upcoming_invoice(self, info: strawberry.Info[RequestContext]) -> UpcomingInvoice:
        return UpcomingInvoice.from_invoice(await upcoming_invoice(info.context))

    @strawberry.field(
        description=(
            "The account's contact tier ladder, smallest limit first: each rung's limit of "
            "billed marketing contacts and its monthly price (contract addition). Any signed-in "
            "user may read it, as they may read contactUsage."
        )
    )
    async def contact_tiers(self, info: strawberry.Info[RequestContext]) -> list[ContactTier]:
        view = await load_subscription(info.context)
        return [ContactTier.from_tier(tier, view.row.currency) for tier in view.ladder]
