"""SCIM Users mapped onto the same services as the GraphQL mutations (``users/lifecycle.py``).

- POST -> ``add_user`` (invitation mail; seat order: FREE, then a pending removal, then a
  purchase only if the account lets SCIM buy seats); ``active: false`` on creation deactivates
  right after.
- ``active: false`` -> ``deactivate_user`` (the seat stays FREE unless the account's setting
  schedules its removal); ``active: true`` -> ``reactivate_user`` (same seat order as POST).
- DELETE -> ``deactivate_user`` if active, then ``delete_user`` (personal data erased, items
  kept).
- Name, email and ``externalId`` changes -> ``update_profile`` here (``user.update``).

Every call runs as the SCIM token's viewer, so every audit event names the token as its actor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true
from sqlalchemy.exc import IntegrityError

from db.enums import Role, UserStatus
from db.models import User
from resolvers import audit
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.locking import lock_user
from resolvers.rules import users as user_rules
from resolvers.scim import ScimActor
from resolvers.scim.resources import DesiredUser
from resolvers.users import lifecycle


class UnsupportedFilter(Exception):
    """A filter this server cannot answer (an attribute it does not keep, a bad operand)."""


def _text_match(column: Any, op: CompareOperator, value: object) -> ColumnElement[bool]:
    if not isinstance(value, str):
        raise UnsupportedFilter(f"Compare this attribute with a string, not {value!r}.")
    value = value.lower()
    column = func.lower(column)
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matchers: dict[CompareOperator, Callable[[], ColumnElement[bool]]] = {
        CompareOperator.eq: lambda: column == value,
        CompareOperator.ne: lambda: or_(column != value, column.is_(None)),
        CompareOperator.co: lambda: column.like(f"%{escaped}%", escape="\\"),
        CompareOperator.sw: lambda: column.like(f"{escaped}%", escape="\\"),
        CompareOperator.ew: lambda: column.like(f"%{escaped}", escape="\\"),
        CompareOperator.gt: lambda: column > value,
        CompareOperator.ge: lambda: column >= value,
        CompareOperator.lt: lambda: column < value,
        CompareOperator.le: lambda: column <= value,
    }
    return matchers[op]()


_TEXT_COLUMNS = {
    ("username", None): User.email_normalized,
    ("emails", None): User.email_normalized,
    ("emails", "value"): User.email_normalized,
    ("displayname", None): User.name,
    ("name", "formatted"): User.name,
    ("externalid", None): User.external_id,
}


class SqlFilter(FilterVisitor[ColumnElement[bool]]):
    """A parsed SCIM filter (scim2-models) as a SQL condition on ``users``."""

    def _key(self, node: Comparison | Present) -> tuple[str, str | None]:
        path = node.attr_path
        if path.uri not in (None, "urn:ietf:params:scim:schemas:core:2.0:User"):
            raise UnsupportedFilter(f"This server cannot filter on '{path}'.")
        return path.attr.lower(), path.sub_attr.lower() if path.sub_attr else None

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        key = self._key(node)
        if key == ("active", None):
            if not isinstance(node.value, bool) or node.op not in (
                CompareOperator.eq,
                CompareOperator.ne,
            ):
                raise UnsupportedFilter("Filter 'active' with eq or ne and true or false.")
            is_active = User.status == UserStatus.ACTIVE
            return is_active if (node.value == (node.op is CompareOperator.eq)) else not_(is_active)
        if key == ("id", None):
            pk = decode_typed_id(node.value if isinstance(node.value, str) else "", "User")
            if node.op is not CompareOperator.eq:
                raise UnsupportedFilter("Filter 'id' with eq.")
            return User.id == pk if pk is not None else false()
        column = _TEXT_COLUMNS.get(key)
        if column is None:
            raise UnsupportedFilter(f"This server cannot filter on '{node.attr_path}'.")
        condition: ColumnElement[bool] = _text_match(column, node.op, node.value)
        return condition

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        key = self._key(node)
        if key in (("active", None), ("id", None)):
            return true()
        column = _TEXT_COLUMNS.get(key)
        if column is None:
            raise UnsupportedFilter(f"This server cannot filter on '{node.attr_path}'.")
        return column.is_not(None)

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        return not_(self.visit(node.expr))

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        terms = [self.visit(term) for term in node.terms]
        return and_(*terms) if node.op is LogicalOperator.and_ else or_(*terms)

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        if node.attr_path.attr.lower() != "emails":
            raise UnsupportedFilter(f"This server cannot filter on '{node.attr_path}'.")
        return _EmailsValueFilter().visit(node.val_filter)


class _EmailsValueFilter(SqlFilter):
    """Inside ``emails[...]``: ``value`` is the email; ``primary`` is always true."""

    def _key(self, node: Comparison | Present) -> tuple[str, str | None]:
        attr = node.attr_path.attr.lower()
        return ("emails", "value") if attr == "value" else (f"emails.{attr}", None)


@dataclass(frozen=True)
class UserPage:
    total: int
    users: Sequence[User]


def _visible(actor: ScimActor) -> ColumnElement[bool]:
    return and_(User.account_id == actor.viewer.account_id, User.status != UserStatus.DELETED)


async def list_users(
    ctx: RequestContext, actor: ScimActor, condition: FilterNode | None, start: int, count: int
) -> UserPage:
    where = _visible(actor)
    if condition is not None:
        where = and_(where, SqlFilter().visit(condition))
    async with ctx.db.read() as session:
        total = await session.scalar(select(func.count()).select_from(User).where(where))
        rows = (
            await session.scalars(
                select(User).where(where).order_by(User.id).offset(start - 1).limit(count)
            )
            if count > 0
            else None
        )
        return UserPage(total=int(total or 0), users=rows.all() if rows is not None else [])


def _not_found() -> BusinessError:
    return BusinessError.of(ErrorCode.NOT_FOUND, "No such user in this account.", ["id"])


async def get_user(ctx: RequestContext, actor: ScimActor, gid: str) -> User:
    """The account's user (deleted users and other accounts' users are not found)."""
    pk = decode_typed_id(gid, "User")
    async with ctx.db.read() as session:
        user = (
            await session.scalars(select(User).where(_visible(actor), User.id == (pk or -1)))
        ).first()
    if user is None:
        raise _not_found()
    return user


def _checked(desired: DesiredUser) -> DesiredUser:
    refusal = user_rules.email_refusal(desired.email)
    if refusal is not None:
        raise BusinessError.of(refusal.code, "userName must be the user's email.", ["userName"])
    if not desired.name or len(desired.name) > 200:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT, "Send a displayName of 1 to 200 characters.", ["displayName"]
        )
    if desired.external_id is not None and len(desired.external_id) > 200:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT, "externalId is at most 200 characters.", ["externalId"]
        )
    return desired


async def provision(ctx: RequestContext, actor: ScimActor, desired: DesiredUser) -> User:
    desired = _checked(desired)
    added = await lifecycle.add_user(
        ctx,
        lifecycle.AddUserData(
            name=desired.name,
            email=desired.email,
            role=Role.REGULAR,
            allow_seat_purchase=actor.can_buy_seats,
            external_id=desired.external_id,
        ),
    )
    assert added.user is not None  # not a dry run
    gid = encode_global_id("User", added.user.id)
    if not desired.active:
        await _deactivate(ctx, actor, gid)
    return await get_user(ctx, actor, gid)


async def _deactivate(ctx: RequestContext, actor: ScimActor, gid: str) -> None:
    await lifecycle.deactivate_user(
        ctx, lifecycle.DeactivateUserData(user_id=gid, remove_seat=actor.schedules_seat_removal)
    )


async def replace(ctx: RequestContext, actor: ScimActor, gid: str, desired: DesiredUser) -> User:
    """PUT (and PATCH, once applied): deactivate, update the profile, reactivate, as needed."""
    desired = _checked(desired)
    user = await get_user(ctx, actor, gid)
    if not desired.active and user.status is UserStatus.ACTIVE:
        await _deactivate(ctx, actor, gid)
    await update_profile(ctx, actor, gid, desired)
    if desired.active and user.status is UserStatus.DEACTIVATED:
        await lifecycle.reactivate_user(
            ctx,
            lifecycle.ReactivateUserData(user_id=gid, allow_seat_purchase=actor.can_buy_seats),
        )
    return await get_user(ctx, actor, gid)


async def update_profile(
    ctx: RequestContext, actor: ScimActor, gid: str, desired: DesiredUser
) -> None:
    """Name, email and externalId as the provider sent them (audited without their values:
    personal data must leave with the user)."""
    normalized = user_rules.normalize_email(desired.email)
    try:
        async with ctx.db.write() as session:
            user = await lock_user(session, actor.viewer.account_id, gid, ["id"])
            changed = [
                field
                for field, differs in (
                    ("name", user.name != desired.name),
                    ("email", user.email != desired.email),
                    ("external_id", user.external_id != desired.external_id),
                )
                if differs
            ]
            if not changed:
                return
            if normalized != user.email_normalized:
                taken = await session.scalar(
                    select(func.count()).where(
                        User.account_id == user.account_id,
                        User.email_normalized == normalized,
                        User.id != user.id,
                    )
                )
                if taken:
                    raise _email_taken()
            user.name = desired.name
            user.email = desired.email
            user.email_normalized = normalized
            user.external_id = desired.external_id
            audit.record_for(session, ctx, "user.update", gid, {"changed": changed})
    except IntegrityError as error:  # a concurrent change took the email first
        raise _email_taken() from error


def _email_taken() -> BusinessError:
    return BusinessError.of(
        ErrorCode.CONFLICT, "A user with this email already exists in the account.", ["userName"]
    )


async def remove(ctx: RequestContext, actor: ScimActor, gid: str) -> None:
    user = await get_user(ctx, actor, gid)
    if user.status is UserStatus.ACTIVE:
        await _deactivate(ctx, actor, gid)
    await lifecycle.delete_user(ctx, lifecycle.DeleteUserData(user_id=gid))
