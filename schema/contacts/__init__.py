"""Contacts: the Contact type, its filter and the contacts query."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from db import models
from resolvers.contacts import ContactFilterData, list_contacts
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from schema.common import (
    Connection,
    ContactSource,
    MarketingStatus,
    Node,
    PageAfter,
    PageFirst,
    selects,
)
from schema.prefetch import MaybeAwaitable, read_ahead, reads
from schema.users import user_read

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


#: What ``owner`` reads (schema/prefetch.py).
OWNER_READ = user_read("owner_pk")


@strawberry.type(description="A contact (person) of the CRM.")
class Contact(Node):
    owner_pk: strawberry.Private[int | None]
    name: str = strawberry.field(description="Name, 1 to 200 characters.")
    email: str | None = strawberry.field(description="Email address; null when unknown.")
    marketing_status: MarketingStatus = strawberry.field(
        description="MARKETING (usable by marketing tools, counted in the tier) or NON_MARKETING."
    )
    billed_as_marketing_until: datetime | None = strawberry.field(
        description="For a contact switched off marketing this period: it stays in the billed "
        "count until then (the next bill date, UTC); else null."
    )
    source: ContactSource = strawberry.field(description="How the contact was created.")
    created_at: datetime = strawberry.field(description="When it was created (UTC, ISO-8601).")

    #: The columns ``from_row`` reads for each field (``schema.users.owner_page_key``: a page
    #: of a user's contacts reads only what its selection shows).
    ROW_COLUMNS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "id": ("id",),
        "name": ("name",),
        "email": ("email",),
        "marketingStatus": ("marketing_status",),
        "billedAsMarketingUntil": ("billed_as_marketing_until",),
        "source": ("source",),
        "createdAt": ("created_at",),
        "owner": ("owner_id",),
    }

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

    @strawberry.field(
        graphql_type=UserRef | None,
        metadata=reads(OWNER_READ),
        description="The owner; null when none.",
    )
    def owner(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        return OWNER_READ.resolve(self, info)  # type: ignore[no-any-return]


@strawberry.input(description="Narrows contacts; the conditions given must all hold.")
class ContactFilter:
    marketing_status: MarketingStatus | None = strawberry.field(
        default=None, description="Only this marketing status."
    )
    owner_in: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Owned by any of these users (at most 1 000 ids); a deleted, unknown or "
        "foreign user: NOT_FOUND.",
    )
    owner_not_in: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Owned by none of these users (at most 1 000 ids); includes contacts "
        "without an owner.",
    )
    source: list[ContactSource] | None = strawberry.field(
        default=None, description="Created from any of these sources."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive substring of name or email; at most 200 characters "
        "(INVALID_INPUT); `%`, `_` and `\\` match themselves.",
    )
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
    @strawberry.field(description="Contacts of your account, oldest first (any signed-in user).")
    async def contacts(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
        filter: Annotated[
            ContactFilter | None,
            strawberry.argument(description="Conditions; omit for all contacts."),
        ] = None,
    ) -> Connection[Contact]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_contacts(ctx, page, filter.to_data() if filter else None)
        connection = Connection.from_page(rows, Contact.from_row)
        await read_ahead(info, [edge.node for edge in connection.edges])
        return connection
