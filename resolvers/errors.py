"""Error vocabulary shared by every domain.

* Business failures are data: a mutation returns ``userErrors`` built from ``UserErrorData``. A
  resolver deep in a mutation raises ``BusinessError``; the mutation's transaction rolls back and
  the payload carries the errors.
* Authentication failures and malformed requests are GraphQL errors with ``extensions.code``:
  ``request_error`` builds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from graphql import GraphQLError


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_STATE = "INVALID_STATE"
    ACCOUNT_OWNER = "ACCOUNT_OWNER"
    LAST_ADMIN = "LAST_ADMIN"
    SEAT_PURCHASE_REQUIRED = "SEAT_PURCHASE_REQUIRED"
    NO_FREE_SEAT = "NO_FREE_SEAT"
    CONFIRMATION_MISMATCH = "CONFIRMATION_MISMATCH"
    EXPORT_REQUIRED = "EXPORT_REQUIRED"
    CONFLICT = "CONFLICT"
    # Signing in (issue 15): emailed tokens, passwords, who may own the account.
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 (an error code, not a secret)
    TOKEN_EXPIRED = "TOKEN_EXPIRED"  # noqa: S105 (an error code, not a secret)
    TOKEN_USED = "TOKEN_USED"  # noqa: S105 (an error code, not a secret)
    TOKEN_REVOKED = "TOKEN_REVOKED"  # noqa: S105 (an error code, not a secret)
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105 (an error code, not a secret)
    CANNOT_SIGN_IN = "CANNOT_SIGN_IN"
    # Contact plan (issue 17): tier upgrades prevented, marketing contacts not in the plan.
    TIER_LIMIT_REACHED = "TIER_LIMIT_REACHED"
    MARKETING_NOT_IN_PLAN = "MARKETING_NOT_IN_PLAN"


@dataclass(frozen=True)
class UserErrorData:
    code: ErrorCode
    message: str
    #: Path to the input field at fault, e.g. ``["input", "userId"]``.
    field: tuple[str, ...] | None = None


class BusinessError(Exception):
    """A rule refused the operation; carried back to the client as ``userErrors``."""

    def __init__(self, *errors: UserErrorData) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors: tuple[UserErrorData, ...] = errors

    @classmethod
    def of(cls, code: ErrorCode, message: str, field: Sequence[str] | None = None) -> BusinessError:
        return cls(UserErrorData(code, message, tuple(field) if field is not None else None))


#: Request-level codes beyond the contract's ErrorCode enum (GraphQL errors only, never data).
RATE_LIMITED = "RATE_LIMITED"


def request_error(
    code: ErrorCode | str,
    message: str,
    *,
    field: Sequence[str | int] | None = None,
    extra: dict[str, object] | None = None,
) -> GraphQLError:
    """A GraphQL error (not data) with a machine-readable ``extensions.code``."""
    extensions: dict[str, object] = {"code": str(code), **(extra or {})}
    if field is not None:
        extensions["field"] = [str(part) for part in field]
    return GraphQLError(message, extensions=extensions)


def unauthenticated() -> GraphQLError:
    return request_error(
        ErrorCode.UNAUTHENTICATED,
        "Sign in first: send 'Authorization: Bearer <token>' with a token from the login mutation.",
    )
