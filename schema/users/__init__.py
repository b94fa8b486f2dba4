"""Users: the User type, its filter, owned item counts, and the users/viewer queries."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, NoReturn

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
from schema.common import Connection, Node, PageAfter, PageFirst, Role, UserStatus, selects
from schema.prefetch import FieldRequest, MaybeAwaitable, ReadPath, now_or_later, read_ahead, reads

# Contacts, deals and seats import this module for their owners; this module reaches them only
# lazily, by module path (Strawberry's ``lazy``), so the imports between them run one way.
ContactRef: Any = LazyType("Contact", "schema.contacts")
DealRef: Any = LazyType("Deal", "schema.deals")
SeatRef: Any = LazyType("Seat", "schema.seats")
InvitationRef: Any = LazyType("Invitation", "schema.auth.signin")


@strawberry.type(description="How many CRM items a user owns (or how many were moved), by kind.")
class OwnedItemCounts:
    deals: int = strawberry.field(description="Deals.")
    contacts: int = strawberry.field(description="Contacts.")
    leads: int = strawberry.field(description="Leads.")
    organizations: int = strawberry.field(description="Organizations.")
    activities: int = strawberry.field(description="Activities.")
    total: int = strawberry.field(description="Sum of all kinds.")

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


def owner_page_key(items: Any) -> Callable[[Any, RequestContext, FieldRequest], OwnerPageKey]:
    """The key of ``contacts``/``deals`` of a user: the first N after a cursor, with the total
    if asked, reading the columns that the selected fields of ``items`` (a lazy type with
    ``ROW_COLUMNS``) need."""

    def key(user: Any, ctx: RequestContext, request: FieldRequest) -> OwnerPageKey:
        page = request.derived.get(key)
        if page is None:  # parsed once per request and field, not once per user
            parsed = PageRequest.parse(
                ctx, request.arguments.get("first"), request.arguments.get("after")
            )
            page = request.derived[key] = (
                parsed.first,
                parsed.after,
                "totalCount" in request.selected,
                "pageInfo" in request.selected,
                row_columns(
                    _resolved(items).ROW_COLUMNS, request.selected_below(("edges", "node"))
                ),
            )
        return OwnerPageKey(user.pk, *page)

    return key


def row_columns(
    columns_of: Mapping[str, tuple[str, ...]], selected: Iterable[str] | None
) -> frozenset[str] | None:
    """The columns the selected fields read; None (every column) when the selection is not
    known or names a field missing from ``columns_of``."""
    if selected is None:
        return None
    needed: set[str] = set()
    for name in selected:
        if name == "__typename":
            continue
        columns = columns_of.get(name)
        if columns is None:
            return None
        needed.update(columns)
    return frozenset(needed)


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
    key=owner_page_key(ContactRef),
    convert=lambda _ctx, page: Connection.from_page(page, _resolved(ContactRef).from_row),
    next_level=("edges", "node"),
    allows=_not_foreign,
)
DEALS_READ = ReadPath(
    loader=lambda loaders: loaders.deals_by_owner,
    key=owner_page_key(DealRef),
    convert=lambda _ctx, page: Connection.from_page(page, _resolved(DealRef).from_row),
    next_level=("edges", "node"),
    allows=_not_foreign,
)


@strawberry.type(
    description="A user of your account (a portfolio owner of another account shows only id and "
    "displayName)."
)
class User(Node):
    pk: strawberry.Private[int]
    display_name: str = strawberry.field(
        description="Name to show: the name, or `(deleted user, ID<key>)` to admins and "
        "`(deleted user)` to others for a deleted user."
    )
    name: str | None = strawberry.field(description="Full name; null once deleted (erased).")
    email: str | None = strawberry.field(
        description="Sign-in email, unique among the account's non-deleted users "
        "(case-insensitive); null once deleted."
    )
    photo_url: str | None = strawberry.field(description="Avatar URL; null when none or deleted.")
    status: UserStatus = strawberry.field(description="ACTIVE, DEACTIVATED or DELETED.")
    role: Role = strawberry.field(description="ADMIN (account settings) or REGULAR.")
    is_account_owner: bool = strawberry.field(
        description="The one account owner: an active admin who can sign in; only they close the "
        "account or transfer ownership."
    )
    can_set_marketing_status: bool = strawberry.field(
        description="May make contacts MARKETING (default true; admins change it with "
        "setUserPermissions)."
    )
    deactivated_at: datetime | None = strawberry.field(
        description="When the user was deactivated (UTC, ISO-8601); null while active."
    )
    deleted_at: datetime | None = strawberry.field(
        description="When the user was deleted (UTC, ISO-8601); null unless DELETED."
    )

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

    @strawberry.field(
        graphql_type=SeatRef | None,
        metadata=reads(SEAT_READ),
        description="The seat the user holds (OCCUPIED); null when deactivated or deleted.",
    )
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

    @strawberry.field(
        graphql_type=OwnedItemCounts,
        metadata=reads(OWNED_ITEMS_READ),
        description="Counts of the CRM items this user owns (they stay owned after deactivation).",
    )
    def owned_items(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[OwnedItemCounts]:
        _refuse_if_foreign(self, "ownedItems")
        return OWNED_ITEMS_READ.resolve(self, info)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=Connection[ContactRef],
        metadata=reads(CONTACTS_READ),
        description="Contacts this user owns, oldest first.",
    )
    def contacts(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
    ) -> MaybeAwaitable[Connection[Any]]:
        _refuse_if_foreign(self, "contacts")
        return CONTACTS_READ.resolve(self, info)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=Connection[DealRef],
        metadata=reads(DEALS_READ),
        description="Deals this user owns, oldest first.",
    )
    def deals(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
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


@strawberry.input(description="Narrows `users`; the conditions given must all hold.")
class UserFilter:
    status: list[UserStatus] | None = strawberry.field(
        default=None, description="Any of these statuses; omit for all."
    )
    role: Role | None = strawberry.field(default=None, description="Only this role.")
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive substring of name or email; at most 200 characters "
        "(INVALID_INPUT); `%`, `_` and `\\` match themselves.",
    )
    #: Users whose newest invitation has this status (admins only).
    invitation_status: InvitationStatus | None = strawberry.field(
        default=None,
        description="Users whose newest invitation has this status (admins only, else FORBIDDEN).",
    )

    def to_data(self) -> UserFilterData:
        return UserFilterData(
            statuses=tuple(self.status) if self.status else None,
            role=self.role,
            search=self.search,
            invitation_status=self.invitation_status,
        )


def user_object(ctx: RequestContext, row: models.User | None) -> User | None:
    """The API object of a user row, built once per request (a page of 100 contacts often
    names the same few owners hundreds of times). The rows are records, which never change: a
    write primes the loader with a new one (``resolvers.loaders.shown_user``)."""
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
    @strawberry.field(description="The signed-in user. Needs a token (UNAUTHENTICATED otherwise).")
    async def viewer(self, info: strawberry.Info[RequestContext]) -> User:
        user = await load_user(info.context, info.context.viewer.user_id)
        assert user is not None  # the session check guarantees the viewer exists
        return user

    @strawberry.field(
        description="Users of your account in creation order, deactivated and deleted ones "
        "included (any signed-in user)."
    )
    async def users(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
        filter: Annotated[
            UserFilter | None, strawberry.argument(description="Conditions; omit for all users.")
        ] = None,
    ) -> Connection[User]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_users(ctx, page, filter.to_data() if filter else None)
        connection = Connection.from_page(rows, lambda row: user_object(ctx, row))
        await read_ahead(info, [edge.node for edge in connection.edges])
        return connection  # type: ignore[return-value]
