"""Users: the User type, its filter, owned item counts, and the users/viewer queries."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, NoReturn

import strawberry
from strawberry.types.lazy_type import LazyType

from db import models
from db.enums import InvitationStatus
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, request_error
from resolvers.ids import encode_global_id
from resolvers.loaders import OwnedCounts, OwnerPageKey
from resolvers.pagination import PageRequest
from resolvers.users import UserFilterData, display_name, list_users
from schema.common import Connection, Node, Role, UserStatus, selects
from schema.prefetch import FieldRequest, MaybeAwaitable, ReadPath, now_or_later, read_ahead, reads

# Contacts, deals and seats import this module for their owners; this module reaches them only
# lazily, by module path (Strawberry's ``lazy``), so the imports between them run one way.
ContactRef: Any = LazyType("Contact", "schema.contacts")
DealRef: Any = LazyType("Deal", "schema.deals")
SeatRef: Any = LazyType("Seat", "schema.seats")
InvitationRef: Any = LazyType("Invitation", "schema.auth.signin")


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


def _not_foreign(user: Any) -> bool:
    """Whether a field refused to another account's users may be read (``_refuse_if_foreign``)."""
    return not getattr(user, "foreign", False)


def owner_page_key(user: Any, ctx: RequestContext, request: FieldRequest) -> OwnerPageKey:
    """``contacts``/``deals`` of a user: the first N after a cursor, with the total if asked."""
    page = PageRequest.parse(ctx, request.arguments.get("first"), request.arguments.get("after"))
    return OwnerPageKey(user.pk, page.first, page.after, "totalCount" in request.selected)


@functools.cache
def _resolved(lazy: Any) -> Any:
    """A lazy type's class (``LazyType.resolve_type`` checks paths on the disk at every call)."""
    return lazy.resolve_type()


SEAT_READ = ReadPath(
    loader=lambda loaders: loaders.seat_by_user,
    key=lambda user, _ctx, _request: user.pk,
    convert=lambda _ctx, row: _resolved(SeatRef).from_optional_row(row),
)
OWNED_ITEMS_READ = ReadPath(
    loader=lambda loaders: loaders.owned_counts,
    key=lambda user, _ctx, _request: user.pk,
    convert=lambda _ctx, counts: OwnedItemCounts.from_counts(counts),
    allows=_not_foreign,
)
CONTACTS_READ = ReadPath(
    loader=lambda loaders: loaders.contacts_by_owner,
    key=owner_page_key,
    convert=lambda _ctx, page: Connection.from_page(page, _resolved(ContactRef).from_row),
    next_level=("edges", "node"),
    allows=_not_foreign,
)
DEALS_READ = ReadPath(
    loader=lambda loaders: loaders.deals_by_owner,
    key=owner_page_key,
    convert=lambda _ctx, page: Connection.from_page(page, _resolved(DealRef).from_row),
    next_level=("edges", "node"),
    allows=_not_foreign,
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

    # The nested fields below declare what they read (schema/prefetch.py): the list that
    # produced this user loads them for its whole page, and the executor reads what is loaded.

    @strawberry.field(graphql_type=SeatRef | None, metadata=reads(SEAT_READ))
    def seat(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[Any]:
        return SEAT_READ.resolve(self, info)

    @strawberry.field(
        graphql_type=InvitationRef | None,
        description="The newest invitation: for admins and the user themself, else null.",
    )
    def invitation(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[Any]:
        invitation_type = InvitationRef.resolve_type()
        ctx = info.context
        viewer = ctx.viewer_or_none
        if viewer is None or not (viewer.is_admin or viewer.user_id == self.pk):
            return None
        return now_or_later(
            ctx.loaders.invitation_by_user,
            self.pk,
            lambda row: invitation_type.from_row(row, ctx.now) if row is not None else None,
        )

    @strawberry.field(graphql_type=OwnedItemCounts, metadata=reads(OWNED_ITEMS_READ))
    def owned_items(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[OwnedItemCounts]:
        _refuse_if_foreign(self, "ownedItems")
        return OWNED_ITEMS_READ.resolve(self, info)  # type: ignore[no-any-return]

    @strawberry.field(graphql_type=Connection[ContactRef], metadata=reads(CONTACTS_READ))
    def contacts(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
    ) -> MaybeAwaitable[Connection[Any]]:
        _refuse_if_foreign(self, "contacts")
        return CONTACTS_READ.resolve(self, info)  # type: ignore[no-any-return]

    @strawberry.field(graphql_type=Connection[DealRef], metadata=reads(DEALS_READ))
    def deals(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
    ) -> MaybeAwaitable[Connection[Any]]:
        _refuse_if_foreign(self, "deals")
        return DEALS_READ.resolve(self, info)  # type: ignore[no-any-return]


def _refuse_if_foreign(user: User, field_name: str) -> None:
    """A user of another account shows its display name only (schema/users/foreign.py)."""
    if getattr(user, "foreign", False):
        refuse_foreign_field(field_name)


def refuse_foreign_field(field_name: str) -> NoReturn:
    raise request_error(
        ErrorCode.FORBIDDEN,
        f"'{field_name}' of a user of another account is not visible: only displayName is.",
    )


@strawberry.input
class UserFilter:
    status: list[UserStatus] | None = None
    role: Role | None = None
    search: str | None = None
    #: Users whose newest invitation has this status (admins only).
    invitation_status: InvitationStatus | None = None

    def to_data(self) -> UserFilterData:
        return UserFilterData(
            statuses=tuple(self.status) if self.status else None,
            role=self.role,
            search=self.search,
            invitation_status=self.invitation_status,
        )


def user_object(ctx: RequestContext, row: models.User | None) -> User | None:
    """The API object of a user row, built once per request (a page of 100 contacts often
    names the same few owners hundreds of times)."""
    if row is None:
        return None
    cached = ctx.objects.get(("User", row.id))
    if cached is not None and cached[0] is row:
        return cached[1]  # type: ignore[return-value]
    user = User.from_row(row, ctx)
    ctx.objects[("User", row.id)] = (row, user)
    return user


def user_read(key_attribute: str) -> ReadPath:
    """A field naming a user of the viewer's account by its parent's ``key_attribute``
    (``Contact.owner``, ``Deal.owner``, ``Seat.user``, ``AuditEvent.actor``)."""
    return ReadPath(
        loader=lambda loaders: loaders.user,
        key=lambda parent, _ctx, _request: getattr(parent, key_attribute),
        convert=user_object,
    )


def user_now_or_later(ctx: RequestContext, user_id: int | None) -> MaybeAwaitable[User | None]:
    """A user of the viewer's account by key: at once when already loaded (for fields that do
    not declare a read, e.g. ``LedgerEntry.actor``)."""
    if user_id is None:
        return None
    return now_or_later(ctx.loaders.user, user_id, lambda row: user_object(ctx, row))


async def load_user(ctx: RequestContext, user_id: int | None) -> User | None:
    """A user of the viewer's account by primary key, as the API shows it."""
    if user_id is None:
        return None
    return user_object(ctx, await ctx.loaders.user.load(user_id))


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
        connection = Connection.from_page(rows, lambda row: user_object(ctx, row))
        await read_ahead(info, [edge.node for edge in connection.edges])
        return connection  # type: ignore[return-value]
