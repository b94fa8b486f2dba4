"""``contactUsageHistory(from, to)``: daily marketing-contact figures for a chart (issue 17)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from resolvers.contacts.usage_history import contact_usage_history
from resolvers.context import RequestContext
from resolvers.rules.contacts import UsagePoint
from schema.extensions import BusinessErrorsAsRequestErrors


@strawberry.type(description="An account's marketing-contact figures at the end of one UTC day.")
class ContactUsagePoint:
    date: date = strawberry.field(description="The UTC day.")
    marketing_contacts: int = strawberry.field(description="Contacts with status MARKETING.")
    billed_marketing_contacts: int = strawberry.field(
        description="Contacts counted toward the contact tier (marketing, or switched off and "
        "still billed until the next bill date)."
    )

    @classmethod
    def from_point(cls, point: UsagePoint) -> ContactUsagePoint:
        return cls(
            date=point.day,
            marketing_contacts=point.marketing,
            billed_marketing_contacts=point.billed,
        )


@strawberry.type
class ContactUsageHistoryQuery:
    @strawberry.field(
        extensions=[BusinessErrorsAsRequestErrors(None)],
        description="One point per day from `from` to `to` (at most 366 days; days after today "
        "and days before the first known figure are left out); a day without a change repeats "
        "the last figure. Admins only: FORBIDDEN otherwise; INVALID_INPUT for a reversed or too "
        "long range.",
    )
    async def contact_usage_history(
        self,
        info: strawberry.Info[RequestContext],
        from_: Annotated[
            date, strawberry.argument(name="from", description="First UTC day (inclusive).")
        ],
        to: Annotated[date, strawberry.argument(description="Last UTC day (inclusive).")],
    ) -> list[ContactUsagePoint]:
        points = await contact_usage_history(info.context, from_, to)
        return [ContactUsagePoint.from_point(point) for point in points]
