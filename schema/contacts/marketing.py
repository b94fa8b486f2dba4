"""Marketing contacts: creating contacts, switching marketing status, permissions.

Contract types (``API.graphql``): ``CreateContactInput``/``CreateContactPayload``,
``SetMarketingStatusInput``/``SetMarketingStatusPayload``,
``SetUserPermissionsInput``/``SetUserPermissionsPayload``.

Additions (see ``resolvers.contacts.marketing`` for the rules):
``setContactSourceDefault(input: SetContactSourceDefaultInput!): SetContactSourceDefaultPayload!``
and ``contactSourceDefaults: [ContactSourceDefaultEntry!]!``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from resolvers.contacts import marketing
from resolvers.context import RequestContext
from resolvers.errors import BusinessError
from resolvers.rules.contacts import SourceDefault
from schema.billing import BillingPreview, ContactUsage, resolve_contact_usage
from schema.common import ContactSource, MarketingStatus, UserError
from schema.contacts import Contact, ContactFilter
from schema.extensions import mutation


@strawberry.input
class SetMarketingStatusInput:
    proration_date: datetime | None = None
    contact_ids: list[strawberry.ID] | None = None
    filter: ContactFilter | None = None
    status: MarketingStatus
    dry_run: bool | None = False

    def to_data(self, *, dry_run: bool | None = None) -> marketing.SetMarketingStatusData:
        """Plain data for the service (``dry_run`` overrides the input's flag when given)."""
        return marketing.SetMarketingStatusData(
            status=self.status,
            contact_ids=tuple(str(i) for i in self.contact_ids)
            if self.contact_ids is not None
            else None,
            filter=self.filter.to_data() if self.filter is not None else None,
            proration_date=self.proration_date,
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.input
class CreateContactInput:
    name: str
    email: str | None = None
    source: ContactSource
    marketing_status: MarketingStatus | None = None
    proration_date: datetime | None = strawberry.field(
        default=None,
        description=(
            "Prorate a tier upgrade for this instant (a preview's prorationDate) so the charge "
            "equals the preview; not in the future, not before the current period "
            "(INVALID_INPUT). Default: now (contract addition)."
        ),
    )
    dry_run: bool | None = strawberry.field(
        default=False,
        description=(
            "Only return the billingPreview of creating this contact (a marketing contact that "
            "passes the tier limit moves the account to the next tier); nothing is written "
            "(contract addition)."
        ),
    )

    def to_data(self, *, dry_run: bool | None = None) -> marketing.CreateContactData:
        return marketing.CreateContactData(
            name=self.name,
            email=self.email,
            source=self.source,
            marketing_status=self.marketing_status,
            proration_date=self.proration_date,
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.input
class SetContactSourceDefaultInput:
    source: ContactSource
    marketing_status: MarketingStatus


@strawberry.type
class CreateContactPayload:
    contact: Contact | None = None
    billing_preview: BillingPreview | None = strawberry.field(
        default=None,
        description=(
            "What creating the contact costs: a marketing contact that passes the tier limit "
            "moves the account up a tier with a prorated charge. Set for marketing contacts and "
            "for every dry run; null otherwise (contract addition)."
        ),
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetMarketingStatusPayload:
    updated_count: int = 0
    usage: ContactUsage | None = None
    billing_preview: BillingPreview | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactSourceDefaultEntry:
    source: ContactSource
    marketing_status: MarketingStatus | None = strawberry.field(
        description="The status a contact from this source gets when none is given; null when the "
        "source must always say it (FORM, IMPORT)."
    )
    overridden: bool = strawberry.field(
        description="Whether this account changed the product's default."
    )

    @classmethod
    def from_data(cls, entry: SourceDefault) -> ContactSourceDefaultEntry:
        return cls(
            source=entry.source,
            marketing_status=entry.marketing_status,
            overridden=entry.overridden,
        )


@strawberry.type
class SetContactSourceDefaultPayload:
    defaults: list[ContactSourceDefaultEntry] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _entries(entries: list[SourceDefault]) -> list[ContactSourceDefaultEntry]:
    return [ContactSourceDefaultEntry.from_data(entry) for entry in entries]


async def _defaults_after_refusal(error: BusinessError, ctx: RequestContext) -> dict[str, Any]:
    """A refused change still shows the defaults in force."""
    return {"defaults": _entries(await marketing.contact_source_defaults(ctx))}


@strawberry.type
class MarketingQuery:
    @strawberry.field
    async def contact_source_defaults(
        self, info: strawberry.Info[RequestContext]
    ) -> list[ContactSourceDefaultEntry]:
        return _entries(await marketing.contact_source_defaults(info.context))


@strawberry.type
class MarketingMutation:
    @mutation()
    async def create_contact(
        self,
        info: strawberry.Info[RequestContext],
        input: CreateContactInput,
    ) -> CreateContactPayload:
        result = await marketing.create_contact(info.context, input.to_data())
        return CreateContactPayload(
            contact=Contact.from_row(result.contact) if result.contact is not None else None,
            billing_preview=(
                BillingPreview.from_preview(result.preview) if result.preview is not None else None
            ),
        )

    @mutation()
    async def set_marketing_status(
        self,
        info: strawberry.Info[RequestContext],
        input: SetMarketingStatusInput,
    ) -> SetMarketingStatusPayload:
        ctx = info.context
        ctx.require_viewer()
        result = await marketing.set_marketing_status(ctx, input.to_data())
        return SetMarketingStatusPayload(
            updated_count=result.updated_count,
            usage=await resolve_contact_usage(ctx),
            billing_preview=BillingPreview.from_preview(result.preview),
        )


@strawberry.type
class ContactSourceDefaultsMutation:
    @mutation(_defaults_after_refusal)
    async def set_contact_source_default(
        self,
        info: strawberry.Info[RequestContext],
        input: SetContactSourceDefaultInput,
    ) -> SetContactSourceDefaultPayload:
        ctx = info.context
        entries = await marketing.set_contact_source_default(
            ctx, input.source, input.marketing_status
        )
        return SetContactSourceDefaultPayload(defaults=_entries(entries))
