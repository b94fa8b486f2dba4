"""``billingLedger``: the charges, scheduled changes, credits and invoices posted (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from db.enums import BillingItem, LedgerEntryKind
from resolvers.billing.ledger import LedgerFilterData, list_ledger
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from resolvers.permissions import require_admin
from schema.audit import AuditEvent
from schema.common import (
    Connection,
    Money,
    PageAfter,
    PageFirst,
    describe_enum,
    money,
    selects,
)
from schema.extensions import BusinessErrorsAsRequestErrors
from schema.prefetch import MaybeAwaitable, now_or_later

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]

describe_enum(
    LedgerEntryKind,
    "What a ledger entry records (contract addition).",
    CHARGE="Money billed now (or at effectiveAt), e.g. a prorated seat purchase or tier upgrade.",
    SCHEDULED="A change that takes effect later (e.g. a seat removal at the bill date); amount 0.",
    CREDIT="Money given back.",
    INVOICE="The renewal invoice issued at a period boundary.",
)
describe_enum(
    BillingItem,
    "What a ledger entry bills for (contract addition).",
    SEATS="Billable seats (bought, renewed, removed).",
    CONTACT_TIER="The marketing-contact tier (upgrades, renewal).",
)


@strawberry.type(
    description=(
        "One row of the billing ledger (contract addition): money billed (CHARGE, INVOICE), "
        "given back (CREDIT) or a change scheduled for a later date (SCHEDULED, amount 0). "
        "A seat purchase is kind CHARGE with item SEATS; a tier upgrade CHARGE with item "
        "CONTACT_TIER."
    )
)
class LedgerEntry:
    audit_event_pk: strawberry.Private[int | None]
    actor_pk: strawberry.Private[int | None]
    id: strawberry.ID = strawberry.field(description="Opaque id of the entry.")
    kind: LedgerEntryKind = strawberry.field(description="What the entry records.")
    item: BillingItem = strawberry.field(description="What it bills for: seats or the tier.")
    description: str = strawberry.field(
        description="What the invoice line says, e.g. `New seats (prorated)`; never a name."
    )
    quantity: int = strawberry.field(description="Seats (or 1 for the tier).")
    unit_price: Money = strawberry.field(description="Monthly price of one unit.")
    amount: Money = strawberry.field(
        description="Amount billed (negative for a credit), exact decimal, with its currency."
    )
    prorated: bool = strawberry.field(description="Whether the amount covers part of a period.")
    period_start: datetime = strawberry.field(description="Start of the period it covers.")
    period_end: datetime = strawberry.field(description="End (exclusive) of the period.")
    posted_at: datetime = strawberry.field(description="When the entry was written.")
    effective_at: datetime = strawberry.field(
        description=(
            "When it takes effect: the proration instant of a charge, the next day for a tier "
            "upgrade, the next bill date for a scheduled change, the period start for an invoice."
        )
    )
    charge_id: str | None = strawberry.field(
        description="Groups the entries of one change; the `charge_id` in its audit details."
    )

    @classmethod
    def from_row(cls, row: models.LedgerEntry) -> LedgerEntry:
        currency = row.currency
        return cls(
            audit_event_pk=row.audit_event_id,
            actor_pk=row.actor_user_id,
            id=strawberry.ID(encode_global_id("LedgerEntry", row.id)),
            kind=row.kind,
            item=row.item,
            description=row.description,
            quantity=row.quantity,
            unit_price=money(row.unit_price, currency),
            amount=money(row.amount, currency),
            prorated=row.prorated,
            period_start=row.period_start,
            period_end=row.period_end,
            posted_at=row.created_at,
            effective_at=row.effective_at,
            charge_id=row.operation_id,
        )

    @strawberry.field(
        graphql_type=AuditEvent | None,
        description=(
            "The audit event of the change that caused the entry (null for entries older "
            "than the link, or whose event is gone)."
        ),
    )
    def audit_event(
        self, info: strawberry.Info[RequestContext]
    ) -> MaybeAwaitable[AuditEvent | None]:
        if self.audit_event_pk is None:
            return None
        return now_or_later(
            info.context.loaders.audit_event,
            self.audit_event_pk,
            lambda row: AuditEvent.from_row(row) if row is not None else None,
        )

    @strawberry.field(
        graphql_type=UserRef | None,
        description="Who made the change (null for renewals made by the billing clock).",
    )
    def actor(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        from schema.users import user_now_or_later

        return user_now_or_later(info.context, self.actor_pk)


@strawberry.input(description="Narrows billingLedger; every set field must match.")
class LedgerFilter:
    kind: list[LedgerEntryKind] | None = strawberry.field(
        default=None, description="Entries of these kinds only."
    )
    item: list[BillingItem] | None = strawberry.field(
        default=None, description="Entries for these items only."
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Effective at or after this instant."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Effective before this instant (exclusive)."
    )

    def to_data(self) -> LedgerFilterData:
        return LedgerFilterData(
            kinds=tuple(self.kind) if self.kind else None,
            items=tuple(self.item) if self.item else None,
            effective_from=self.from_,
            effective_to=self.to,
        )


@strawberry.type
class BillingLedgerQuery:
    @strawberry.field(
        description=(
            "The billing ledger, newest first (contract addition): every charge, scheduled "
            "change, credit and invoice of the account. Admins only (FORBIDDEN GraphQL error "
            "otherwise). Page size: default 50, max 100; `to` before `from` is INVALID_INPUT."
        ),
        extensions=[BusinessErrorsAsRequestErrors(None)],
    )
    async def billing_ledger(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
        filter: Annotated[
            LedgerFilter | None,
            strawberry.argument(description="Narrows the entries; all conditions must hold."),
        ] = None,
    ) -> Connection[LedgerEntry]:
        ctx = info.context
        require_admin(ctx)
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_ledger(ctx, page, filter.to_data() if filter else None)
        return Connection.from_page(rows, LedgerEntry.from_row)
