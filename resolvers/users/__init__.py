"""Reading users: the list with its filter, single users, display names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import Role, UserStatus
from db.models import User
from resolvers.context import RequestContext, Viewer
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.text_inputs import search_needle


@dataclass(frozen=True)
class UserFilterData:
    statuses: tuple[UserStatus, ...] | None = None
    role: Role | None = None
    search: str | None = None


def display_name(user: User, viewer: Viewer | None) -> str:
    """Deleted users keep no name: admins see their id so they can still tell them apart."""
    if user.status is UserStatus.DELETED:
        if viewer is not None and viewer.is_admin:
            return f"(deleted user, ID{user.id})"
        return "(deleted user)"
    return user.name or user.email or f"User {user.id}"


def search_condition(
    term: str, *columns: object, field: Sequence[str] = ("filter", "search")
) -> object:
    """Case-insensitive substring match on any of ``columns`` (LIKE wildcards escaped)."""
    needle = search_needle(term, field)
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


async def list_users(
    ctx: RequestContext, page: PageRequest, flt: UserFilterData | None
) -> Page[User]:
    query: Select[tuple[User]] = select(User).where(User.account_id == ctx.viewer.account_id)
    if flt is not None:
        if flt.statuses:
            query = query.where(User.status.in_(flt.statuses))
        if flt.role is not None:
            query = query.where(User.role == flt.role)
        if flt.search and flt.search.strip():
            query = query.where(search_condition(flt.search, User.name, User.email))  # type: ignore[arg-type]
    return await fetch_page(ctx, query, User.id, page)


async def lock_user(
    session: AsyncSession, account_id: int, global_id: str, field: Sequence[str]
) -> User:
    """A user of the account by global id, row-locked; anything else is NOT_FOUND."""
    pk = decode_typed_id(global_id, "User")
    user = None
    if pk is not None:
        user = (
            await session.scalars(
                select(User)
                .where(User.id == pk, User.account_id == account_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one_or_none()
    if user is None:
        raise BusinessError.of(ErrorCode.NOT_FOUND, f"No user with id {global_id!r}.", field)
    return user
