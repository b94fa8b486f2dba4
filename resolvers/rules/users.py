"""User lifecycle rules (SPEC "Users"): which transitions are allowed, and where a seat comes from.

Pure functions only: the caller loads the facts (with locks) and passes them in; a refusal comes
back as a ``Refusal`` value, never as an exception, so the rules can be tested exhaustively.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from db.enums import Role, UserStatus
from resolvers.errors import ErrorCode


@dataclass(frozen=True)
class Refusal:
    code: ErrorCode
    message: str


@dataclass(frozen=True)
class UserFacts:
    """What the rules need to know about the user an admin acts on."""

    user_id: int
    status: UserStatus
    role: Role
    is_account_owner: bool


def deactivation_refusal(
    target: UserFacts, actor_user_id: int, active_admins: int
) -> Refusal | None:
    """Refused: oneself, a user who is not ACTIVE, the account owner, the last active admin."""
    if target.user_id == actor_user_id:
        return Refusal(ErrorCode.INVALID_INPUT, "You cannot deactivate yourself.")
    if target.status is not UserStatus.ACTIVE:
        return Refusal(
            ErrorCode.INVALID_STATE,
            f"Only active users can be deactivated; this user is {target.status.value.lower()}.",
        )
    if target.is_account_owner:
        return Refusal(
            ErrorCode.ACCOUNT_OWNER,
            "The account owner cannot be deactivated: transfer the account ownership first.",
        )
    if target.role is Role.ADMIN and active_admins <= 1:
        return Refusal(ErrorCode.LAST_ADMIN, "The last active admin cannot be deactivated.")
    return None


def reactivation_refusal(target: UserFacts) -> Refusal | None:
    """Only a DEACTIVATED user comes back; a deleted user never does."""
    if target.status is UserStatus.DELETED:
        return Refusal(ErrorCode.INVALID_STATE, "A deleted user can never be reactivated.")
    if target.status is not UserStatus.DEACTIVATED:
        return Refusal(ErrorCode.INVALID_STATE, "Only deactivated users can be reactivated.")
    return None


def deletion_refusal(target: UserFacts) -> Refusal | None:
    """Only a DEACTIVATED user can be deleted (deactivate first; deleting twice is refused)."""
    if target.status is UserStatus.DELETED:
        return Refusal(ErrorCode.INVALID_STATE, "This user is already deleted.")
    if target.status is not UserStatus.DEACTIVATED:
        return Refusal(ErrorCode.INVALID_STATE, "Deactivate the user before deleting them.")
    return None


def owner_target_refusal(status: UserStatus) -> Refusal | None:
    """Items can only be moved to (and deals only owned by) an ACTIVE user."""
    if status is not UserStatus.ACTIVE:
        return Refusal(
            ErrorCode.INVALID_STATE,
            f"Items can only go to an active user; this user is {status.value.lower()}.",
        )
    return None


class SeatSource(StrEnum):
    """Where a user who needs a seat gets it from, in the order SPEC prescribes."""

    FREE = "FREE"  # a paid, unused seat: no billing change
    CANCEL_REMOVAL = "CANCEL_REMOVAL"  # a seat pending removal is kept: no charge
    BUY = "BUY"  # a new seat: prorated charge now


def seat_source(free_seats: int, pending_removal_seats: int) -> SeatSource:
    if free_seats > 0:
        return SeatSource.FREE
    if pending_removal_seats > 0:
        return SeatSource.CANCEL_REMOVAL
    return SeatSource.BUY


@dataclass(frozen=True)
class SeatCountPlan:
    """How ``addSeats(count)`` splits into cancelled removals and purchases."""

    cancel_removal: int
    buy: int


def plan_add_seats(count: int, pending_removal_seats: int) -> SeatCountPlan:
    """Cancel pending removals first (free of charge), then buy the rest."""
    if count <= 0:
        raise ValueError(f"count must be positive, got {count}")
    cancel = min(count, max(pending_removal_seats, 0))
    return SeatCountPlan(cancel_removal=cancel, buy=count - cancel)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_refusal(email: str) -> Refusal | None:
    """A deliberately small shape check: one '@' with text on both sides, no spaces, bounded."""
    value = email.strip()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or "@" in domain or " " in value:
        return Refusal(ErrorCode.INVALID_INPUT, "Enter a valid email address.")
    # Checked on the stored (lower-cased) form too: "İ".lower() is two characters.
    if len(value) > 320 or len(normalize_email(value)) > 320:
        return Refusal(ErrorCode.INVALID_INPUT, "The email address is too long.")
    return None


@dataclass(frozen=True)
class RoleChange:
    """The facts the role rule needs about the target and the account."""

    target_role: Role
    target_status: UserStatus
    target_is_account_owner: bool
    new_role: Role
    #: Active admins of the account, the target included if it is one.
    active_admins: int


def decide_role_change(change: RoleChange) -> ErrorCode | None:
    """``None`` if the role change is allowed, else the code of the refusal.

    - The account owner must stay an admin (``ACCOUNT_OWNER``); transfer ownership first.
    - Demoting the last active admin would leave nobody with access to settings (``LAST_ADMIN``).
    - Setting the role a user already has is allowed (a no-op).
    """
    demoting = change.target_role is Role.ADMIN and change.new_role is Role.REGULAR
    if not demoting:
        return None
    if change.target_is_account_owner:
        return ErrorCode.ACCOUNT_OWNER
    if change.target_status is UserStatus.ACTIVE and change.active_admins <= 1:
        return ErrorCode.LAST_ADMIN
    return None
