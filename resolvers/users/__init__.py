"""Reading users: the list with its filter, single users, display names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from db.enums import InvitationStatus, Role, UserStatus, UserTokenState
from db.models import User, UserToken
from resolvers.context import RequestContext, Viewer
from resolvers.errors import ErrorCode, request_error
from resolvers.loaders import USER_SHOWN_COLUMNS, newest_invitation_ids
from resolvers.pagination import Page, PageRequest, fetch_page, table_columns
from resolvers.text_inputs import search_needle


def invitation_filter(ctx: RequestContext, status: InvitationStatus) -> ColumnElement[bool]:
    if not ctx.viewer.is_admin:  # only admins see invitations, so only they filter by them
        raise request_error(ErrorCode.FORBIDDEN, "Only admins can filter users by invitation.")
    return invitation_status_condition(ctx.viewer.account_id, status, ctx.now)


def invitation_status_condition(
    account_id: int, status: InvitationStatus, now: datetime
) -> ColumnElement[bool]:
    """``users(filter: {invitationStatus})``: users whose newest invitation has this status."""
    by_status: dict[InvitationStatus, ColumnElement[bool]] = {
        InvitationStatus.PENDING: and_(
            UserToken.state == UserTokenState.PENDING, UserToken.expires_at > now
        ),
        InvitationStatus.EXPIRED: and_(
            UserToken.state == UserTokenState.PENDING, UserToken.expires_at <= now
        ),
        InvitationStatus.ACCEPTED: UserToken.state == UserTokenState.USED,
        InvitationStatus.REVOKED: UserToken.state == UserTokenState.REVOKED,
    }
    matching = select(UserToken.user_id).where(
        UserToken.id.in_(newest_invitation_ids(account_id)), by_status[status]
    )
    return User.id.in_(matching)


@dataclass(frozen=True)
class UserFilterData:
    statuses: tuple[UserStatus, ...] | None = None
    role: Role | None = None
    search: str | None = None
    invitation_status: InvitationStatus | None = None


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
    query: Select[tuple[User]] = select(*table_columns(User, USER_SHOWN_COLUMNS)).where(
        User.account_id == ctx.viewer.account_id
    )
    if flt is not None:
        if flt.statuses:
            query = query.where(User.status.in_(flt.statuses))
        if flt.role is not None:
            query = query.where(User.role == flt.role)
        if flt.search and flt.search.strip():
            query = query.where(search_condition(flt.search, User.name, User.email))  # type: ignore[arg-type]
        if flt.invitation_status is not None:
            query = query.where(invitation_filter(ctx, flt.invitation_status))
    users = await fetch_page(ctx, query, User.id, page, rows=True)
    # Fields below often name these same users again (a contact's owner on the users page):
    # they read them from the loader instead of selecting them a second time.
    ctx.loaders.user.prime_many({user.id: user for user in users.items})
    return users
