"""Billing types: subscription, contact tier and usage, previews and their lines."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.billing import upcoming_invoice
from resolvers.billing.subscriptions import SubscriptionView, load_subscription
from resolvers.contacts import count_marketing
from resolvers.contacts.plan import load_contact_plan
from resolvers.context import RequestContext
from resolvers.rules import billing as rules
from schema.common import Money, money
from schema.extensions import BusinessErrorsAsRequestErrors


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

    @strawberry.field(
        description="Whether the subscription includes marketing contacts; without them no "
        "contact can become MARKETING (MARKETING_NOT_IN_PLAN). Set by setContactPlanSettings."
    )
    async def marketing_contacts_included(self, info: strawberry.Info[RequestContext]) -> bool:
        return (await load_contact_plan(info.context)).marketing_contacts_included

    @strawberry.field(
        description="When true the account never moves to a higher contact tier: changes that "
        "would pass the current tier's limit are refused (TIER_LIMIT_REACHED) or, for a new "
        "contact, made NON_MARKETING. Set by setContactPlanSettings (admins)."
    )
    async def prevent_tier_upgrades(self, info: strawberry.Info[RequestContext]) -> bool:
        return (await load_contact_plan(info.context)).prevent_tier_upgrades

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
    marketing_contacts_enabled: bool = strawberry.field(
        default=True,
        description="Whether marketing contacts are part of the plan (the feature is on); "
        "false when the subscription does not include them.",
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
        marketing_contacts_enabled=(await load_contact_plan(ctx)).marketing_contacts_included,
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
    @strawberry.field(
        description="Marketing contacts against the contact tier (any signed-in user)."
    )
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
