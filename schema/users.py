"""Users: the User type, its filter, owned item counts, and the users/viewer queries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from db.enums import Role as RoleEnum
from db.enums import UserStatus as UserStatusEnum
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.loaders import OwnedCounts, OwnerPageKey
from resolvers.pagination import PageRequest
from resolvers.users import UserFilterData, display_name, list_users
from schema.common import Connection, Node, Role, UserStatus, selects

if TYPE_CHECKING:
    from schema.contacts import Contact
    from schema.deals import Deal
    from schema.seats import Seat

ContactRef = Annotated["Contact", strawberry.lazy("schema.contacts")]
DealRef = Annotated["Deal", strawberry.lazy("schema.deals")]
SeatRef = Annotated["Seat", strawberry.lazy("schema.seats")]


@strawberry.type
class OwnedItemCounts:
    deals: int
    contacts: int
    leads: int
    organizations: int
    activities: int
    total: int

    @classmethod
    def from_counts(cls, counts: OwnedCounts) -> OwnedItemCounts:
        return cls(
            deals=counts.deals,
            contacts=counts.contacts,
            leads=counts.leads,
            organizations=counts.organizations,
            activities=counts.activities,
            total=counts.total,
        )


@strawberry.type
class User(Node):
    pk: strawberry.Private[int]
    display_name: str
    name: str | None
    email: str | None
    photo_url: str | None
    status: UserStatus
    role: Role
    is_account_owner: bool
    can_set_marketing_status: bool
    deactivated_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def from_row(cls, row: models.User, ctx: RequestContext) -> User:
        return cls(
            id=strawberry.ID(encode_global_id("User", row.id)),
            pk=row.id,
            display_name=display_name(row, ctx.viewer_or_none),
            name=row.name,
            email=row.email,
            photo_url=row.photo_url,
            status=row.status,
            role=row.role,
            is_account_owner=row.is_account_owner,
            can_set_marketing_status=row.can_set_marketing_status,
            deactivated_at=row.deactivated_at,
            deleted_at=row.deleted_at,
        )

    @strawberry.field
    async def seat(self, info: strawberry.Info[RequestContext]) -> SeatRef | None:
        from schema.seats import Seat

        row = await info.context.loaders.seat_by_user.load(self.pk)
        return Seat.from_row(row) if row is not None else None

    @strawberry.field
    async def owned_items(self, info: strawberry.Info[RequestContext]) -> OwnedItemCounts:
        return OwnedItemCounts.from_counts(await info.context.loaders.owned_counts.load(self.pk))

    @strawberry.field
    async def contacts(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ContactRef]:
        from schema.contacts import Contact

        page = PageRequest.parse(info.context, first, after)
        key = OwnerPageKey(self.pk, page.first, page.after, selects(info, "totalCount"))
        rows = await info.context.loaders.contacts_by_owner.load(key)
        return Connection.from_page(rows, Contact.from_row)

    @strawberry.field
    async def deals(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DealRef]:
        from schema.deals import Deal

        page = PageRequest.parse(info.context, first, after)
        key = OwnerPageKey(self.pk, page.first, page.after, selects(info, "totalCount"))
        rows = await info.context.loaders.deals_by_owner.load(key)
        return Connection.from_page(rows, Deal.from_row)


@strawberry.input
class UserFilter:
    status: list[UserStatus] | None = None
    role: Role | None = None
    search: str | None = None

    def to_data(self) -> UserFilterData:
        return UserFilterData(
            statuses=tuple(UserStatusEnum(s) for s in self.status) if self.status else None,
            role=RoleEnum(self.role) if self.role is not None else None,
            search=self.search,
        )


async def load_user(ctx: RequestContext, user_id: int | None) -> User | None:
    """A user of the viewer's account by primary key, as the API shows it."""
    if user_id is None:
        return None
    row = await ctx.loaders.user.load(user_id)
    return User.from_row(row, ctx) if row is not None else None


@strawberry.type
class UsersQuery:
    @strawberry.field
    async def viewer(self, info: strawberry.Info[RequestContext]) -> User:
        user = await load_user(info.context, info.context.viewer.user_id)
        assert user is not None  # the session check guarantees the viewer exists
        return user

    @strawberry.field
    async def users(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
        filter: UserFilter | None = None,
    ) -> Connection[User]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_users(ctx, page, filter.to_data() if filter else None)
        return Connection.from_page(rows, lambda row: User.from_row(row, ctx))
