"""Deals: the Deal type, its filter and the deals query."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from db import models
from resolvers.context import RequestContext
from resolvers.deals import DealFilterData, list_deals
from resolvers.deals import changes as deal_changes
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from schema.common import Connection, Money, Node, PageAfter, PageFirst, UserError, money, selects
from schema.extensions import mutation
from schema.prefetch import MaybeAwaitable, read_ahead, reads
from schema.users import user_read

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


#: What ``owner`` reads (schema/prefetch.py).
OWNER_READ = user_read("owner_pk")


@strawberry.type(description="A deal of the CRM.")
class Deal(Node):
    owner_pk: strawberry.Private[int | None]
    title: str = strawberry.field(description="Title, 1 to 300 characters.")
    value: Money = strawberry.field(description="Deal value, in the account's currency.")

    #: The columns ``from_row`` reads for each field (see ``Contact.ROW_COLUMNS``).
    ROW_COLUMNS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "id": ("id",),
        "title": ("title",),
        "value": ("value", "currency"),
        "owner": ("owner_id",),
    }

    @classmethod
    def from_row(cls, row: models.Deal) -> Deal:
        return cls(
            id=strawberry.ID(encode_global_id("Deal", row.id)),
            owner_pk=row.owner_id,
            title=row.title,
            value=money(row.value, row.currency),
        )

    @strawberry.field(
        graphql_type=UserRef | None,
        metadata=reads(OWNER_READ),
        description="The owner; null when none.",
    )
    def owner(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        return OWNER_READ.resolve(self, info)  # type: ignore[no-any-return]


@strawberry.input(description="Narrows `deals`; the conditions given must all hold.")
class DealFilter:
    owner_in: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Owned by any of these users (at most 1 000 ids); a deleted, unknown or "
        "foreign user: NOT_FOUND error.",
    )
    owner_not_in: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Owned by none of these users (at most 1 000 ids); includes deals without "
        "an owner.",
    )

    def to_data(self) -> DealFilterData:
        return DealFilterData(
            owner_in=tuple(self.owner_in) if self.owner_in is not None else None,
            owner_not_in=tuple(self.owner_not_in) if self.owner_not_in is not None else None,
        )


@strawberry.type
class DealsQuery:
    @strawberry.field(description="Deals of your account, oldest first (any signed-in user).")
    async def deals(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
        filter: Annotated[
            DealFilter | None, strawberry.argument(description="Conditions; omit for all deals.")
        ] = None,
    ) -> Connection[Deal]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_deals(ctx, page, filter.to_data() if filter else None)
        connection = Connection.from_page(rows, Deal.from_row)
        await read_ahead(info, [edge.node for edge in connection.edges])
        return connection


@strawberry.input(description="A new deal.")
class CreateDealInput:
    title: str = strawberry.field(description="1 to 300 characters.")
    value: Decimal = strawberry.field(
        description="Exact decimal string in the account currency: whole cents, 0 up to one "
        'trillion, e.g. "1500.00".'
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="An active user of the account; default: the caller.",
    )


@strawberry.type(description="Result of createDeal.")
class CreateDealPayload:
    deal: Deal | None = strawberry.field(
        default=None, description="The new deal; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type
class DealsMutation:
    @mutation(
        description="Any signed-in user: create a deal. Errors: INVALID_INPUT, NOT_FOUND, "
        "INVALID_STATE (inactive owner)."
    )
    async def create_deal(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[CreateDealInput, strawberry.argument(description="The new deal.")],
    ) -> CreateDealPayload:
        data = deal_changes.CreateDealData(
            title=input.title,
            value=input.value,
            owner_id=str(input.owner_id) if input.owner_id else None,
        )
        deal = await deal_changes.create_deal(info.context, data)
        return CreateDealPayload(deal=Deal.from_row(deal))
