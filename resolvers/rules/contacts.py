"""Marketing-contact rules (SPEC "Marketing contacts", "Tenancy and identity"): pure, no I/O.

- Which marketing status a new contact gets from its source, with the account's overrides.
- Who may make a contact marketing (``canSetMarketingStatus``).
- Whether an admin's change of another user's role is allowed (owner stays admin, an active
  admin always remains).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from db.enums import ContactSource, MarketingStatus

__all__ = [
    "BUILT_IN_DEFAULTS",
    "MAX_HISTORY_DAYS",
    "SOURCES_THAT_SPECIFY_STATUS",
    "SourceDefault",
    "UsagePoint",
    "fill_daily",
    "initial_status",
    "may_set_status",
    "source_defaults",
]

#: FORM and IMPORT carry their own status (the form or the import says it): no default at all.
SOURCES_THAT_SPECIFY_STATUS: frozenset[ContactSource] = frozenset(
    {ContactSource.FORM, ContactSource.IMPORT}
)

#: The product's defaults; ``None`` means "the creator must specify the status".
BUILT_IN_DEFAULTS: Mapping[ContactSource, MarketingStatus | None] = {
    ContactSource.MANUAL: MarketingStatus.NON_MARKETING,
    ContactSource.IMPORT: None,
    ContactSource.FORM: None,
    ContactSource.API: MarketingStatus.NON_MARKETING,
    ContactSource.INTEGRATION: MarketingStatus.NON_MARKETING,
    ContactSource.CONVERSATION: MarketingStatus.NON_MARKETING,
}


@dataclass(frozen=True)
class SourceDefault:
    """The effective default of one source for one account."""

    source: ContactSource
    marketing_status: MarketingStatus | None
    overridden: bool


def source_defaults(
    overrides: Mapping[ContactSource, MarketingStatus],
) -> list[SourceDefault]:
    """Every source's effective default, in the enum's order.

    Overrides of FORM/IMPORT are ignored (they cannot be set; a stray row changes nothing), and an
    override equal to the built-in default is not reported as overridden.
    """
    result: list[SourceDefault] = []
    for source in ContactSource:
        built_in = BUILT_IN_DEFAULTS[source]
        override = None if source in SOURCES_THAT_SPECIFY_STATUS else overrides.get(source)
        status = override if override is not None else built_in
        result.append(SourceDefault(source, status, override is not None and override != built_in))
    return result


def initial_status(
    source: ContactSource,
    specified: MarketingStatus | None,
    overrides: Mapping[ContactSource, MarketingStatus],
) -> MarketingStatus | None:
    """The status a new contact gets; ``None`` when it must be specified and was not.

    An explicitly specified status always wins; otherwise the account's override, otherwise the
    built-in default. FORM and IMPORT have no default: without a status they are refused.
    """
    if specified is not None:
        return specified
    if source in SOURCES_THAT_SPECIFY_STATUS:
        return None
    return overrides.get(source) or BUILT_IN_DEFAULTS[source]


def may_set_status(target: MarketingStatus, can_set_marketing_status: bool) -> bool:
    """Making a contact marketing needs the permission; taking it out of marketing does not.

    Switching to NON_MARKETING only lowers what the account will be billed, so any active user may.
    """
    return target is MarketingStatus.NON_MARKETING or can_set_marketing_status


# --------------------------------------------------------------------------- usage history

#: The longest range ``contactUsageHistory`` answers, in days (a year, leap years included).
MAX_HISTORY_DAYS = 366


@dataclass(frozen=True)
class UsagePoint:
    day: date
    marketing: int
    billed: int


def fill_daily(
    known: Sequence[UsagePoint], start: date, end: date, before: UsagePoint | None
) -> list[UsagePoint]:
    """One point per day from ``start`` to ``end``: a day without a figure repeats the last known
    one (the figures only change on days something is recorded). Days before any known figure are
    left out: nothing is known about them."""
    by_day = {point.day: point for point in known}
    last = before
    filled: list[UsagePoint] = []
    day = start
    while day <= end:
        point = by_day.get(day)
        if point is not None:
            last = point
        if last is not None:
            filled.append(UsagePoint(day, last.marketing, last.billed))
        day += timedelta(days=1)
    return filled
