"""Contacts: the Contact type, its filter and the contacts query."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers.contacts import ContactFilterData, list_contacts
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from schema.common import Connection, ContactSource, MarketingStatus, Node, selects
from schema.prefetch import MaybeAwaitable, node_fields

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


@strawberry.type
class Contact(Node):
    owner_pk: strawberry.Private[int | None]
    name: str
    email: str | None
    marketing_status: MarketingStatus
    billed_as_marketing_until: datetime | None
    source: ContactSource
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Contact) -> Contact:
        return cls(
            id=strawberry.ID(encode_global_id("Contact", row.id)),
            owner_pk=row.owner_id,
            name=row.name,
            email=row.email,
            marketing_status=row.marketing_status,
            billed_as_marketing_until=row.billed_as_marketing_until,
            source=row.source,
            created_at=row.created_at,
        )

    @strawberry.field(graphql_type=UserRef | None)
    def owner(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        from schema.users import user_now_or_later

        return user_now_or_later(info.context, self.owner_pk)


@strawberry.input
class ContactFilter:
    marketing_status: MarketingStatus | None = None
    owner_in: list[strawberry.ID] | None = None
    owner_not_in: list[strawberry.ID] | None = None
    source: list[ContactSource] | None = None
    search: str | None = None
    billed_as_marketing: bool | None = strawberry.field(
        default=None,
        description=(
            "true: contacts still billed as marketing contacts, i.e. marketing ones and those "
            "switched off whose billedAsMarketingUntil is in the future; false: the others "
            "(contract addition)."
        ),
    )

    def to_data(self) -> ContactFilterData:
        return ContactFilterData(
            marketing_status=self.marketing_status,
            owner_in=tuple(self.owner_in) if self.owner_in is not None else None,
            owner_not_in=tuple(self.owner_not_in) if self.owner_not_in is not None else None,
            sources=tuple(self.source) if self.source else None,
            search=self.search,
            billed_as_marketing=self.billed_as_marketing,
        )


@strawberry.type
class ContactsQuery:
    @strawberry.field
    async def contacts(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
        filter: ContactFilter | None = None,
    ) -> Connection[Contact]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_contacts(ctx, page, filter.to_data() if filter else None)
        from schema.users import prefetch_owners

        await prefetch_owners(ctx, node_fields(info), [rows])
        return Connection.from_page(rows, Contact.from_row)
