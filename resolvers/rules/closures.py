"""Rules for closing a portfolio or a whole account (SPEC "Portfolios", "Closing a whole account").

Pure functions only: no I/O, no ORM, no clock. Rules written down where the spec is silent:

- The name typed back is compared after trimming surrounding spaces and case-folding both sides;
  anything else, the empty string included, is a mismatch (``CONFIRMATION_MISMATCH``).
- Portfolio closure ``details`` are optional, trimmed, and at most ``MAX_DETAILS_LENGTH``
  characters; blank details are stored as ``None``.
- An account closure ``reason`` is optional free text, trimmed, at most
  ``MAX_ACCOUNT_REASON_LENGTH`` characters (the closure record's column); blank is ``None``.
- An export is current when it was taken at or after the last change of its data
  (``exported_at >= changed_at``); a portfolio can be closed without ``acknowledgeDataLoss`` only
  when both its billing and its metric exports are current.
- Spreadsheet safety: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading single quote, so a spreadsheet shows it as text instead of running it.
  Numbers are never text cells: they are written as plain decimals (``-12.50`` stays ``-12.50``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from db.enums import (
    PortfolioCloseReason,
    PortfolioCloseReasonCategory,
    PortfolioExportKind,
    Role,
    UserStatus,
)

MAX_DETAILS_LENGTH = 2000
MAX_ACCOUNT_REASON_LENGTH = 64

#: The two-level reason list: every reason belongs to exactly one category.
REASON_CATEGORIES: Mapping[PortfolioCloseReason, PortfolioCloseReasonCategory] = MappingProxyType(
    {
        PortfolioCloseReason.CONSOLIDATING_PORTFOLIOS: PortfolioCloseReasonCategory.CONSOLIDATION,
        PortfolioCloseReason.HARD_TO_USE: PortfolioCloseReasonCategory.PROBLEM,
        PortfolioCloseReason.MISSING_FEATURES: PortfolioCloseReasonCategory.PROBLEM,
        PortfolioCloseReason.BUGS: PortfolioCloseReasonCategory.PROBLEM,
        PortfolioCloseReason.TESTING: PortfolioCloseReasonCategory.OTHER,
        PortfolioCloseReason.NO_LONGER_NEEDED: PortfolioCloseReasonCategory.OTHER,
    }
)

#: Leading characters a spreadsheet may interpret as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def reason_category(reason: PortfolioCloseReason) -> PortfolioCloseReasonCategory:
    return REASON_CATEGORIES[reason]


def confirmation_matches(typed: str, name: str) -> bool:
    """Whether the name typed back confirms ``name`` (trimmed, case-insensitive, not empty)."""
    wanted = name.strip().casefold()
    return bool(wanted) and typed.strip().casefold() == wanted


def clean_optional_text(text: str | None) -> str | None:
    """Trimmed text, or ``None`` when nothing but spaces was given."""
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


def text_too_long(text: str | None, limit: int) -> bool:
    return text is not None and len(text) > limit


def export_is_current(exported_at: datetime | None, changed_at: datetime) -> bool:
    return exported_at is not None and exported_at >= changed_at


def stale_exports(
    exported: Mapping[PortfolioExportKind, datetime | None],
    changed: Mapping[PortfolioExportKind, datetime],
) -> list[PortfolioExportKind]:
    """The export kinds that must be taken (again) before closing, in a stable order."""
    return [
        kind
        for kind in PortfolioExportKind
        if not export_is_current(exported.get(kind), changed[kind])
    ]


def transfer_target_problem(
    *, is_current_owner: bool, status: UserStatus, role: Role
) -> str | None:
    """Why a user cannot become the account owner, or ``None`` when they can.

    The owner is always an active admin (SPEC "Tenancy and identity"), so only an active admin
    other than the current owner can receive the ownership.
    """
    if is_current_owner:
        return "This user already owns the account."
    if status is not UserStatus.ACTIVE:
        return "Only an active user can become the account owner."
    if role is not Role.ADMIN:
        return "Only an admin can become the account owner: make them an admin first."
    return None


def escape_text_cell(text: str) -> str:
    """A text cell a spreadsheet will not evaluate as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_cell(value: object) -> str:
    """One CSV cell: ISO dates, exact plain decimals, escaped text, empty for ``None``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return escape_text_cell(str(value.value))
    if isinstance(value, str):
        return escape_text_cell(value)
    raise TypeError(f"no CSV rule for {type(value).__name__}")
