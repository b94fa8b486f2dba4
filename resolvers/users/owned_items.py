"""Filters shared by every owned item list (contacts, deals): ``ownerIn`` and ``ownerNotIn``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from db.enums import UserStatus
from db.models import User
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, request_error
from resolvers.ids import decode_typed_id

#: Owner filters name users; an account has far fewer, and PostgreSQL caps bound parameters.
MAX_OWNER_IDS = 1_000


def _check_owner_list(global_ids: Sequence[str], field: Sequence[str | int]) -> None:
    if len(global_ids) > MAX_OWNER_IDS:
        raise request_error(
            ErrorCode.INVALID_INPUT,
            f"An owner filter takes at most {MAX_OWNER_IDS} user ids, got {len(global_ids)}.",
            field=field,
        )


async def resolve_owner_in(
    ctx: RequestContext, global_ids: Sequence[str], field: Sequence[str | int]
) -> list[int]:
    """User keys for an ``ownerIn`` filter: every id must name a non-deleted user of the account.

    A deleted user can no longer be chosen as an owner: an id of one is ``NOT_FOUND``, exactly as
    an unknown id or an id of another account is.
    """
    _check_owner_list(global_ids, field)
    wanted = [decode_typed_id(global_id, "User") for global_id in global_ids]
    known_pks = [pk for pk in wanted if pk is not None]
    async with ctx.db.read() as session:
        found = set(
            (
                await session.scalars(
                    select(User.id).where(
                        User.account_id == ctx.viewer.account_id,
                        User.id.in_(known_pks),
                        User.status != UserStatus.DELETED,
                    )
                )
            ).all()
        )
    for index, pk in enumerate(wanted):
        if pk is None or pk not in found:
            raise request_error(
                ErrorCode.NOT_FOUND,
                f"No user with id {global_ids[index]!r} can be chosen as an owner.",
                field=[*field, index],
            )
    return [pk for pk in wanted if pk is not None]


def owner_not_in(
    owner_column: Any, global_ids: Sequence[str], field: Sequence[str | int] = ("filter",)
) -> ColumnElement[bool]:
    """Items owned by none of these users (deleted ones included), unowned items too.

    Ids that name nobody simply exclude nobody: "none of these" holds for them trivially.
    """
    _check_owner_list(global_ids, [*field, "ownerNotIn"])
    pks = [pk for pk in (decode_typed_id(gid, "User") for gid in global_ids) if pk is not None]
    if not pks:
        return or_(owner_column.is_(None), owner_column.is_not(None))
    return or_(owner_column.is_(None), owner_column.not_in(pks))
