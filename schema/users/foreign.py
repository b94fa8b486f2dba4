"""A user of another account, as a viewer may see them: the display name and nothing else.

A portfolio owner seen from a linked account is such a user (SPEC: "shows its display name and
nothing else"). The contract keeps ``Portfolio.owner: User!`` and ``User.status: UserStatus!``
(and role, isAccountOwner, canSetMarketingStatus, ownedItems, contacts, deals) non-null, so the
server can neither narrow the type nor answer ``null`` there without breaking the contract.
The rule: nullable fields (name, email, photoUrl, seat, deactivatedAt, deletedAt) are ``null``;
the non-null ones are a ``FORBIDDEN`` error at their path, never a real or an invented value.
"""

from __future__ import annotations

from typing import Any, NoReturn

import strawberry

from db import models
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.users import display_name
from schema.users import User, refuse_foreign_field

#: Non-null ``User`` fields that would tell something about another account's user.
PRIVATE_FIELDS = (
    "status",
    "role",
    "isAccountOwner",
    "canSetMarketingStatus",
    "ownedItems",
    "contacts",
    "deals",
)


def _private(field_name: str) -> Any:
    def read(_self: object) -> NoReturn:
        refuse_foreign_field(field_name)

    return property(read)


class ForeignUser(User):
    """Built by ``foreign_user``; reading a private attribute raises ``FORBIDDEN``."""

    foreign = True
    status = _private("status")
    role = _private("role")
    is_account_owner = _private("isAccountOwner")
    can_set_marketing_status = _private("canSetMarketingStatus")


def foreign_user(row: models.User, ctx: RequestContext) -> User:
    user: ForeignUser = object.__new__(ForeignUser)
    values: dict[str, object] = {
        "id": strawberry.ID(encode_global_id("User", row.id)),
        "pk": row.id,
        "display_name": display_name(row, None),
        "name": None,
        "email": None,
        "photo_url": None,
        "deactivated_at": None,
        "deleted_at": None,
    }
    for name, value in values.items():
        object.__setattr__(user, name, value)
    return user
