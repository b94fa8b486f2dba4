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
from typing import Annotated, Any

import strawberry

from resolvers.contacts import marketing
from resolvers.context import RequestContext
from resolvers.errors import BusinessError
from resolvers.rules.contacts import SourceDefault
from schema.billing import BillingPreview, ContactUsage, resolve_contact_usage
from schema.common import ContactSource, MarketingStatus, UserError
from schema.contacts import Contact, ContactFilter
from schema.extensions import mutation


@strawberry.input(
    description="Which contacts (exactly one of contactIds and filter) and the status to set."
)
class SetMarketingStatusInput:
    proration_date: datetime | None = strawberry.field(
        default=None,
        description="Prorate a tier upgrade for this instant (a preview's prorationDate); not in "
        "the future nor before the period. Default: now.",
    )
    contact_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="1 to 10 000 contact ids."
    )
    filter: ContactFilter | None = strawberry.field(
        default=None, description="Every contact matching it (set-based, no size limit)."
    )
    status: MarketingStatus = strawberry.field(
        description="MARKETING needs canSetMarketingStatus; anyone may set NON_MARKETING."
    )
    dry_run: bool | None = strawberry.field(
        default=False, description="Only return the billingPreview; change nothing."
    )

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


@strawberry.input(description="A new contact.")
class CreateContactInput:
    name: str = strawberry.field(description="1 to 200 characters.")
    email: str | None = strawberry.field(
        default=None, description="An email address, at most 320 characters."
    )
    source: ContactSource = strawberry.field(description="How the contact was obtained.")
    marketing_status: MarketingStatus | None = strawberry.field(
        default=None,
        description="Default: the source's default (contactSourceDefaults); FORM and IMPORT must "
        "say it. MARKETING needs canSetMarketingStatus.",
    )
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


@strawberry.input(description="A source and the marketing status its contacts get by default.")
class SetContactSourceDefaultInput:
    source: ContactSource = strawberry.field(
        description="MANUAL, API, INTEGRATION or CONVERSATION (FORM and IMPORT have no default)."
    )
    marketing_status: MarketingStatus = strawberry.field(description="The new default.")


@strawberry.type(description="Result of createContact.")
class CreateContactPayload:
    contact: Contact | None = strawberry.field(
        default=None, description="The new contact; null when refused."
    )
    billing_preview: BillingPreview | None = strawberry.field(
        default=None,
        description=(
            "What creating the contact costs: a marketing contact that passes the tier limit "
            "moves the account up a tier with a prorated charge. Set for marketing contacts and "
            "for every dry run; null otherwise (contract addition)."
        ),
    )
    made_non_marketing: UserError | None = strawberry.field(
        default=None,
        description="Set when the contact would have been MARKETING (from its source's default, "
        "or any status once the tier is full) but was created NON_MARKETING: code "
        "TIER_LIMIT_REACHED (tier upgrades prevented, the tier is full) or MARKETING_NOT_IN_PLAN "
        "(the subscription has no marketing contacts). Null otherwise.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of setMarketingStatus.")
class SetMarketingStatusPayload:
    updated_count: int = strawberry.field(
        default=0, description="Contacts whose status changed (0 for a dry run)."
    )
    usage: ContactUsage | None = strawberry.field(
        default=None, description="Contact usage after the change; null when refused."
    )
    billing_preview: BillingPreview | None = strawberry.field(
        default=None, description="The tier change and its charge; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="The default marketing status of contacts from one source.")
class ContactSourceDefaultEntry:
    source: ContactSource = strawberry.field(description="The source.")
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


@strawberry.type(description="Result of setContactSourceDefault.")
class SetContactSourceDefaultPayload:
    defaults: list[ContactSourceDefaultEntry] = strawberry.field(
        default_factory=list, description="Every source's default in force (also when refused)."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


def _entries(entries: list[SourceDefault]) -> list[ContactSourceDefaultEntry]:
    return [ContactSourceDefaultEntry.from_data(entry) for entry in entries]


async def _defaults_after_refusal(error: BusinessError, ctx: RequestContext) -> dict[str, Any]:
    """A refused change still shows the defaults in force."""
    return {"defaults": _entries(await marketing.contact_source_defaults(ctx))}


@strawberry.type
class MarketingQuery:
    @strawberry.field(
        description="The default marketing status of each contact source (any signed-in user)."
    )
    async def contact_source_defaults(
        self, info: strawberry.Info[RequestContext]
    ) -> list[ContactSourceDefaultEntry]:
        return _entries(await marketing.contact_source_defaults(info.context))


@strawberry.type
class MarketingMutation:
    @mutation(
        description="Any signed-in user: create a contact; a MARKETING one counts at once and may "
        "raise the contact tier. Errors: INVALID_INPUT, FORBIDDEN (MARKETING without "
        "canSetMarketingStatus)."
    )
    async def create_contact(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[CreateContactInput, strawberry.argument(description="The new contact.")],
    ) -> CreateContactPayload:
        result = await marketing.create_contact(info.context, input.to_data())
        notice = result.made_non_marketing
        return CreateContactPayload(
            contact=Contact.from_row(result.contact) if result.contact is not None else None,
            billing_preview=(
                BillingPreview.from_preview(result.preview) if result.preview is not None else None
            ),
            made_non_marketing=UserError.from_data(notice) if notice is not None else None,
        )

    @mutation(
        description="Any signed-in user: switch contacts' marketing status (MARKETING needs "
        "canSetMarketingStatus). Going over the tier moves the account up a tier, prorated, "
        "charged the next day. Errors: INVALID_INPUT, NOT_FOUND, FORBIDDEN."
    )
    async def set_marketing_status(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            SetMarketingStatusInput,
            strawberry.argument(description="Which contacts and the status to set."),
        ],
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
    @mutation(
        _defaults_after_refusal,
        description="Admins: change the default marketing status of a contact source. Errors: "
        "FORBIDDEN, INVALID_INPUT (FORM or IMPORT).",
    )
    async def set_contact_source_default(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            SetContactSourceDefaultInput,
            strawberry.argument(description="The source and its new default."),
        ],
    ) -> SetContactSourceDefaultPayload:
        ctx = info.context
        entries = await marketing.set_contact_source_default(
            ctx, input.source, input.marketing_status
        )
        return SetContactSourceDefaultPayload(defaults=_entries(entries))
