"""Users: the User type, its filter, owned item counts, and the users/viewer queries."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from datetime import datetime
from typing import Annotated, Any, NoReturn

import strawberry
from strawberry.types.lazy_type import LazyType
from strawberry.types.nodes import SelectedField

from db import models
from db.enums import InvitationStatus
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, request_error
from resolvers.ids import encode_global_id
from resolvers.loaders import OwnedCounts, OwnerPageKey
from resolvers.pagination import Page, PageRequest
from resolvers.users import UserFilterData, display_name, list_users
from schema.common import Connection, Node, PageAfter, PageFirst, Role, UserStatus, selects
from schema.prefetch import (
    MaybeAwaitable,
    asks_for,
    fields_under,
    gather_quietly,
    int_argument,
    node_fields,
    now_or_later,
)

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

    # The nested fields below are synchronous: when the list that produced this user prefetched
    # the level (schema/prefetch.py) they read the loaders' caches at once; otherwise
    # ``now_or_later`` hands graphql-core the loader's awaitable.

    @strawberry.field(
        graphql_type=SeatRef | None,
        description="The seat the user holds (OCCUPIED); null when deactivated or deleted.",
    )
    def seat(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[Any]:
        seat_type = SeatRef.resolve_type()
        return now_or_later(info.context.loaders.seat_by_user, self.pk, seat_type.from_optional_row)

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
        description="Counts of the CRM items this user owns (they stay owned after deactivation).",
    )
    def owned_items(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[OwnedItemCounts]:
        _refuse_if_foreign(self, "ownedItems")
        return now_or_later(info.context.loaders.owned_counts, self.pk, OwnedItemCounts.from_counts)

    @strawberry.field(
        graphql_type=Connection[ContactRef],
        description="Contacts this user owns, oldest first.",
    )
    def contacts(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
    ) -> MaybeAwaitable[Connection[Any]]:
        contact_type = ContactRef.resolve_type()
        _refuse_if_foreign(self, "contacts")
        key = owner_page_key(info, self.pk, first, after)
        return now_or_later(
            info.context.loaders.contacts_by_owner,
            key,
            lambda page: Connection.from_page(page, contact_type.from_row),
        )

    @strawberry.field(
        graphql_type=Connection[DealRef],
        description="Deals this user owns, oldest first.",
    )
    def deals(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
    ) -> MaybeAwaitable[Connection[Any]]:
        deal_type = DealRef.resolve_type()
        _refuse_if_foreign(self, "deals")
        key = owner_page_key(info, self.pk, first, after)
        return now_or_later(
            info.context.loaders.deals_by_owner,
            key,
            lambda page: Connection.from_page(page, deal_type.from_row),
        )


def _refuse_if_foreign(user: User, field_name: str) -> None:
    """A user of another account shows its display name only (schema/users/foreign.py)."""
    if getattr(user, "foreign", False):
        refuse_foreign_field(field_name)


def refuse_foreign_field(field_name: str) -> NoReturn:
    raise request_error(
        ErrorCode.FORBIDDEN,
        f"'{field_name}' of a user of another account is not visible: only displayName is.",
    )


def owner_page_key(
    info: strawberry.Info[RequestContext], owner_pk: int, first: int | None, after: str | None
) -> OwnerPageKey:
    page = PageRequest.parse(info.context, first, after)
    return OwnerPageKey(owner_pk, page.first, page.after, selects(info, "totalCount"))


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
    names the same few owners hundreds of times)."""
    if row is None:
        return None
    cached = ctx.objects.get(("User", row.id))
    if cached is not None and cached[0] is row:
        return cached[1]  # type: ignore[return-value]
    user = User.from_row(row, ctx)
    ctx.objects[("User", row.id)] = (row, user)
    return user


def user_now_or_later(ctx: RequestContext, user_id: int | None) -> MaybeAwaitable[User | None]:
    """A user of the viewer's account by key: at once when already loaded."""
    if user_id is None:
        return None
    return now_or_later(ctx.loaders.user, user_id, lambda row: user_object(ctx, row))


async def load_user(ctx: RequestContext, user_id: int | None) -> User | None:
    """A user of the viewer's account by primary key, as the API shows it."""
    if user_id is None:
        return None
    return user_object(ctx, await ctx.loaders.user.load(user_id))


async def prefetch_user_level(
    ctx: RequestContext, fields: list[SelectedField], user_pks: list[int]
) -> None:
    """Load what the page's users will be asked for, one batch per loader, all at once."""
    loads: list[Awaitable[Any]] = []
    for field in fields:
        if field.name == "seat":
            loads.append(ctx.loaders.seat_by_user.load_many(user_pks))
        elif field.name == "ownedItems":
            loads.append(ctx.loaders.owned_counts.load_many(user_pks))
        elif field.name in {"contacts", "deals"}:
            loads.append(_prefetch_owner_pages(ctx, field, user_pks))
    await gather_quietly(*loads)


async def _prefetch_owner_pages(
    ctx: RequestContext, field: SelectedField, owner_pks: list[int]
) -> None:
    loaders = ctx.loaders
    loader = loaders.contacts_by_owner if field.name == "contacts" else loaders.deals_by_owner
    page = PageRequest.parse(ctx, int_argument(field, "first"), field.arguments.get("after"))
    with_total = asks_for(field, "totalCount")
    keys = [OwnerPageKey(pk, page.first, page.after, with_total) for pk in owner_pks]
    pages: list[Page[Any]] = await loader.load_many(keys)
    await prefetch_owners(ctx, fields_under(field.selections, "edges", "node"), pages)


async def prefetch_owners(
    ctx: RequestContext, node_fields: list[SelectedField], pages: Iterable[Page[Any]]
) -> None:
    """Load the owners of the items on these pages, when ``owner`` is asked for."""
    if any(field.name == "owner" for field in node_fields):
        owner_ids = {row.owner_id for page in pages for row in page.items if row.owner_id}
        await ctx.loaders.user.load_many(sorted(owner_ids))


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
        await prefetch_user_level(ctx, node_fields(info), [row.id for row in rows.items])
        return Connection.from_page(rows, lambda row: user_object(ctx, row))  # type: ignore[arg-type, return-value]
