"""Money rules for seats and contact tiers (SPEC "Seats and billing", "Marketing contacts").

Pure functions only: no I/O, no ORM, no clock. The caller passes the instant (`at`) so tests can
stand on any date and a mutation can re-use a preview's `prorationDate` and be charged exactly the
previewed amount.

Conventions, enforced rather than hoped for:
- money is ``Decimal`` (a float raises ``TypeError``); every amount this module returns is rounded
  half-up to the cent and has exponent -2 (``Decimal("12.30")``);
- prices (seat price, tier prices) are whole cents, so before/after differences are exact;
- datetimes are timezone-aware (UTC); a naive datetime raises ``ValueError`` instead of silently
  mixing wall-clock and UTC instants;
- a period's ``end`` is exclusive and is the next bill date.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

__all__ = [
    "CENT",
    "BillingLine",
    "BillingPeriod",
    "BillingPreview",
    "BillingState",
    "Invoice",
    "Money",
    "SeatChange",
    "Tier",
    "add_months",
    "anchor_day_of",
    "choose_tier",
    "crossed_thresholds",
    "next_invoice",
    "next_period",
    "percent_used",
    "preview_seat_change",
    "preview_tier_change",
    "prorate",
    "round_cents",
    "tier_upgrade_charge_date",
    "upcoming_invoice",
]

CENT = Decimal("0.01")
_ONE_MICROSECOND = timedelta(microseconds=1)
_ZERO = Decimal("0.00")


# --------------------------------------------------------------------------- validation helpers


def _require_aware(value: datetime, name: str) -> None:
    """Naive datetimes are refused: comparing them with aware ones is a bug waiting to happen."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")


def _require_decimal(value: Decimal, name: str) -> None:
    """Money is exact: floats (and ints posing as prices) are refused, as are NaN and infinities."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be finite, got {value}")


def _require_price(value: Decimal, name: str) -> None:
    """Prices are non-negative whole cents, so sums and differences of prices need no rounding."""
    _require_decimal(value, name)
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    if value != round_cents(value):
        raise ValueError(f"{name} must be a whole number of cents, got {value}")


def _require_count(value: int, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def _require_currency(value: str) -> None:
    """ISO 4217 shape (three upper-case letters): a lower-case or empty code is a caller bug."""
    if not (
        isinstance(value, str)
        and len(value) == 3
        and value.isascii()
        and value.isupper()
        and value.isalpha()
    ):
        raise ValueError(f"currency must be an ISO 4217 code such as 'EUR', got {value!r}")


# --------------------------------------------------------------------------- money


def round_cents(value: Decimal) -> Decimal:
    """Half-up to 0.01 (ties away from zero), as SPEC requires; never banker's rounding."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    """An exact amount that always carries its currency, so two currencies can never be summed."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        _require_decimal(self.amount, "amount")
        _require_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero with cent precision, the neutral start of a sum."""
        return cls(_ZERO, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):  # runtime guard for untyped callers
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):  # runtime guard for untyped callers
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)


# --------------------------------------------------------------------------- periods and proration


@dataclass(frozen=True)
class BillingPeriod:
    """A half-open billing period [start, end); `end` is the next bill date."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "period.start")
        _require_aware(self.end, "period.end")
        if self.end <= self.start:
            raise ValueError(f"period must end after it starts: {self.start} .. {self.end}")


def _micros(delta: timedelta) -> int:
    """Exact integer microseconds of a timedelta (timedelta // timedelta is integer division)."""
    return delta // _ONE_MICROSECOND


def _check_instant(period: BillingPeriod, at: datetime) -> None:
    _require_aware(at, "at")
    if not period.start <= at <= period.end:
        raise ValueError(
            f"instant {at.isoformat()} is outside the period "
            f"{period.start.isoformat()} .. {period.end.isoformat()}"
        )


def prorate(amount: Decimal, period: BillingPeriod, at: datetime) -> Decimal:
    """amount x (period.end - at) / (period.end - period.start), half-up to the cent.

    Computed exactly: the Decimal amount as an integer ratio and the two durations as integer
    microseconds, then one integer division with a half-up correction. No float and no
    intermediate Decimal rounding, so a value lying exactly on (or a hair off) half a cent rounds
    the right way. `at` must lie in [period.start, period.end], else ValueError.
    """
    _require_decimal(amount, "amount")
    _check_instant(period, at)
    left = _micros(period.end - at)
    total = _micros(period.end - period.start)
    numerator, denominator = amount.as_integer_ratio()
    # value in cents = numerator * left * 100 / (denominator * total); denominators are positive.
    scaled = abs(numerator) * left * 100
    whole, remainder = divmod(scaled, denominator * total)
    if 2 * remainder >= denominator * total:
        whole += 1  # half-up: ties go away from zero
    cents = -whole if numerator < 0 else whole
    return Decimal(f"{cents}e-2")  # built from a string: exact, exponent -2, context-independent


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(moment: datetime, months: int, anchor_day: int) -> datetime:
    """Step `months` calendar months and land on the anchor day, or the month's last day if shorter.

    The day comes from the anchor, not from `moment`, so a short month never drags the anchor
    down for good: Jan 31 -> Feb 28/29 -> Mar 31. Time of day and tzinfo are kept.
    """
    _require_aware(moment, "moment")
    if not 1 <= anchor_day <= 31:
        raise ValueError(f"anchor_day must be within 1..31, got {anchor_day}")
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(anchor_day, _days_in_month(year, month))
    return moment.replace(year=year, month=month, day=day)


def anchor_day_of(period: BillingPeriod) -> int:
    """Recover the anchor day of a monthly period built with add_months(start, 1, anchor).

    Useful because the state stores a period, not an anchor. If the end is not on its month's last
    day, its day is the anchor; else if the start is not, the start's day is; else both are
    month-ends and, two consecutive months never both being shorter than 31 days, the anchor is 31.
    """
    start, end = period.start, period.end
    if end.day < _days_in_month(end.year, end.month):
        return end.day
    if start.day < _days_in_month(start.year, start.month):
        return start.day
    return 31


def next_period(period: BillingPeriod, anchor_day: int) -> BillingPeriod:
    """The following monthly period: starts at period.end, ends one month later on the anchor."""
    return BillingPeriod(period.end, add_months(period.end, 1, anchor_day))


# --------------------------------------------------------------------------- contact tiers


@dataclass(frozen=True)
class Tier:
    """A rung of the marketing-contact ladder: `limit` contacts included for `price` a month."""

    limit: int
    price: Decimal

    def __post_init__(self) -> None:
        _require_count(self.limit, "tier.limit")
        _require_price(self.price, "tier.price")


def choose_tier(ladder: Sequence[Tier], current: Tier, billed_contacts: int) -> Tier:
    """The smallest tier that fits `billed_contacts`, but never below `current`.

    SPEC: the tier moves up automatically and never moves down by itself. If no tier is big
    enough, the top tier is returned and the caller reports the overflow. A ladder tier with the
    same limit as `current` does not replace it (a repriced ladder does not reprice the account).
    """
    _require_count(billed_contacts, "billed_contacts")
    ordered = sorted(ladder, key=lambda tier: (tier.limit, tier.price))
    if not ordered:
        return current
    fitting = [tier for tier in ordered if tier.limit >= billed_contacts]
    chosen = fitting[0] if fitting else ordered[-1]
    return chosen if chosen.limit > current.limit else current


def percent_used(billed_contacts: int, tier: Tier) -> float:
    """Billed contacts as a percentage of the tier limit, 1 decimal, half-up; may exceed 100.

    Computed in Decimal and only turned into a float at the end (GraphQL `Float`), so 6.25 shows
    as 6.3, not 6.2. A zero limit is "full" as soon as one contact is billed.
    """
    _require_count(billed_contacts, "billed_contacts")
    if tier.limit == 0:
        return 100.0 if billed_contacts > 0 else 0.0
    ratio = Decimal(billed_contacts * 100) / Decimal(tier.limit)
    return float(ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def crossed_thresholds(
    before: int, after: int, limit: int, thresholds: Sequence[int] = (90, 100)
) -> list[int]:
    """Thresholds (percent) reached by going from `before` to `after` billed contacts, ascending.

    Reached means before*100 < t*limit <= after*100 (integer math, no rounding), so each
    threshold fires once on the way up and never on the way down. With a zero limit every
    threshold is reached by the first billed contact.
    """
    _require_count(before, "before")
    _require_count(after, "after")
    _require_count(limit, "limit")
    for threshold in thresholds:
        _require_count(threshold, "threshold")
        if threshold == 0:
            raise ValueError("thresholds must be positive percentages")
    ordered = sorted(set(thresholds))
    if limit == 0:
        return ordered if before == 0 < after else []
    return [t for t in ordered if before * 100 < t * limit <= after * 100]


# --------------------------------------------------------------------------- state and previews


@dataclass(frozen=True)
class BillingState:
    """What the subscription looks like now: enough to price any seat or tier change."""

    currency: str
    seat_price: Decimal
    period: BillingPeriod
    billable_seats: int  # seats paid for this period: OCCUPIED + FREE + PENDING_REMOVAL
    pending_removal_seats: int  # of those, seats that will be gone at period.end
    tier_ladder: tuple[Tier, ...]
    tier: Tier  # current contact tier

    def __post_init__(self) -> None:
        _require_currency(self.currency)
        _require_price(self.seat_price, "seat_price")
        _require_count(self.billable_seats, "billable_seats")
        _require_count(self.pending_removal_seats, "pending_removal_seats")
        if self.pending_removal_seats > self.billable_seats:
            raise ValueError(
                f"pending_removal_seats ({self.pending_removal_seats}) cannot exceed "
                f"billable_seats ({self.billable_seats})"
            )

    @property
    def renewing_seats(self) -> int:
        """Seats that will still be billed in the next period."""
        return self.billable_seats - self.pending_removal_seats


@dataclass(frozen=True)
class BillingLine:
    """One itemised line of a preview: `unit_price` is the monthly price, `amount` the charge."""

    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    prorated: bool
    period_start: datetime
    period_end: datetime
    item: Literal["SEATS", "CONTACT_TIER"] = "SEATS"  # what the line bills for


@dataclass(frozen=True)
class BillingPreview:
    """The answer to "what will this change cost?" (GraphQL `BillingPreview`)."""

    proration_date: datetime
    currency: str
    immediate_charge: Decimal
    next_invoice_before: Decimal
    next_invoice_after: Decimal
    next_bill_date: datetime
    billable_seats_before: int
    billable_seats_after: int
    tier_before: Tier
    tier_after: Tier
    lines: tuple[BillingLine, ...]


@dataclass(frozen=True)
class Invoice:
    """The invoice issued at the next bill date for the following period, as things stand."""

    date: datetime  # the next bill date
    currency: str
    period: BillingPeriod  # the period it pays for
    lines: tuple[BillingLine, ...]
    subtotal: Decimal
    total: Decimal


def upcoming_invoice(state: BillingState) -> Invoice:
    """The next invoice: renewing seats x seat price, the contact tier, and (at zero) the seats
    leaving at the bill date, so a reader sees why they are not billed.

    The one computation of "the next invoice": previews' next_invoice_before/after use it too.
    Credits would be lines with a negative amount; the billing model has none outstanding yet.
    """
    following = next_period(state.period, anchor_day_of(state.period))
    seat_price = round_cents(state.seat_price)

    def line(description: str, quantity: int, unit_price: Decimal, amount: Decimal) -> BillingLine:
        return BillingLine(
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
            prorated=False,
            period_start=following.start,
            period_end=following.end,
        )

    renewing = state.renewing_seats
    lines = [line("Seats", renewing, seat_price, round_cents(renewing * seat_price))]
    if state.pending_removal_seats:
        leaving = state.pending_removal_seats
        lines.append(
            line(
                _plural(leaving, "Seat leaving at the bill date", "Seats leaving at the bill date"),
                leaving,
                seat_price,
                _ZERO,
            )
        )
    tier = state.tier
    tier_line = line(f"Contact tier {tier.limit:,}", 1, tier.price, round_cents(tier.price))
    lines.append(replace(tier_line, item="CONTACT_TIER"))
    subtotal = round_cents(sum((item.amount for item in lines), _ZERO))
    return Invoice(
        date=state.period.end,
        currency=state.currency,
        period=following,
        lines=tuple(lines),
        subtotal=subtotal,
        total=subtotal,  # no tax or discounts in this billing model
    )


def next_invoice(state: BillingState) -> Decimal:
    """The invoice at period.end, for the following period: renewing seats + current tier."""
    return upcoming_invoice(state).total


@dataclass(frozen=True)
class SeatChange:
    """A seat change to price; counts are validated by preview_seat_change."""

    buy: int = 0  # new seats bought now (prorated immediate charge)
    cancel_removal: int = 0  # PENDING_REMOVAL seats whose removal is cancelled (no charge)
    schedule_removal: int = 0  # FREE/OCCUPIED seats removed at period.end (no charge now)


def _plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def preview_seat_change(state: BillingState, change: SeatChange, at: datetime) -> BillingPreview:
    """Price a seat change at instant `at` without performing it.

    Validation (ValueError): counts non-negative, cancel_removal <= pending_removal_seats,
    schedule_removal <= renewing seats, `at` aware and inside the period.

    immediate_charge = prorate(buy x seat_price, period, at): the line is prorated and rounded
    half-up to the cent once, as Stripe prorates a subscription item's quantity (SPEC), so three
    seats cost round(3 x price x fraction), not 3 x round(price x fraction).
    Cancelled and scheduled removals cost nothing now. Scheduled removals stay billable until
    period.end, so billable_seats_after = billable + buy; next_invoice_after bills
    renewing + buy + cancel_removal - schedule_removal seats.
    Lines: a prorated line for bought seats (period at .. period.end), and zero-amount lines for
    cancelled and for scheduled removals (period = the next period, which they affect), each only
    when its count is non-zero. A no-op change has zero charge and no lines.
    """
    for name in ("buy", "cancel_removal", "schedule_removal"):
        _require_count(getattr(change, name), name)
    _check_instant(state.period, at)
    if change.cancel_removal > state.pending_removal_seats:
        raise ValueError(
            f"cannot cancel {change.cancel_removal} removals: only "
            f"{state.pending_removal_seats} seats are pending removal"
        )
    if change.schedule_removal > state.renewing_seats:
        raise ValueError(
            f"cannot schedule {change.schedule_removal} removals: only "
            f"{state.renewing_seats} seats renew"
        )

    period = state.period
    seat_price = round_cents(state.seat_price)
    charge = prorate(seat_price * change.buy, period, at)
    following = next_period(period, anchor_day_of(period))

    lines: list[BillingLine] = []
    if change.buy:
        lines.append(
            BillingLine(
                description=_plural(change.buy, "New seat (prorated)", "New seats (prorated)"),
                quantity=change.buy,
                unit_price=seat_price,
                amount=charge,
                prorated=True,
                period_start=at,
                period_end=period.end,
            )
        )
    for count, singular, plural in (
        (change.cancel_removal, "Seat removal cancelled", "Seat removals cancelled"),
        (change.schedule_removal, "Seat removal scheduled", "Seat removals scheduled"),
    ):
        if count:
            lines.append(
                BillingLine(
                    description=_plural(count, singular, plural),
                    quantity=count,
                    unit_price=seat_price,
                    amount=_ZERO,
                    prorated=False,
                    period_start=following.start,
                    period_end=following.end,
                )
            )

    return BillingPreview(
        proration_date=at,
        currency=state.currency,
        immediate_charge=charge,
        next_invoice_before=next_invoice(state),
        next_invoice_after=next_invoice(
            replace(
                state,
                billable_seats=state.billable_seats + change.buy,
                pending_removal_seats=state.pending_removal_seats
                - change.cancel_removal
                + change.schedule_removal,
            )
        ),
        next_bill_date=period.end,
        billable_seats_before=state.billable_seats,
        billable_seats_after=state.billable_seats + change.buy,
        tier_before=state.tier,
        tier_after=state.tier,
        lines=tuple(lines),
    )


def tier_upgrade_charge_date(at: datetime) -> datetime:
    """When a tier upgrade charge is posted: the next day (at + 1 day), per SPEC."""
    _require_aware(at, "at")
    return at + timedelta(days=1)


def preview_tier_change(
    state: BillingState, billed_contacts_after: int, at: datetime
) -> BillingPreview:
    """Price the tier move caused by `billed_contacts_after` billed marketing contacts, at `at`.

    tier_after = choose_tier(...). If it moved up, immediate_charge =
    prorate(tier_after.price - tier_before.price, period, at) with one prorated line
    ("Contact tier 1,000 -> 2,000"). A grandfathered current price above the new tier's price is
    never refunded: the difference is floored at zero. Otherwise zero and no lines. Seats are
    unchanged; next_invoice_after bills the new tier's price.
    """
    _require_count(billed_contacts_after, "billed_contacts_after")
    _check_instant(state.period, at)
    before = state.tier
    after = choose_tier(state.tier_ladder, before, billed_contacts_after)

    lines: tuple[BillingLine, ...] = ()
    charge = _ZERO
    if after.limit > before.limit:
        difference = round_cents(max(after.price - before.price, Decimal(0)))
        charge = prorate(difference, state.period, at)
        lines = (
            BillingLine(
                description=f"Contact tier {before.limit:,} -> {after.limit:,}",
                quantity=1,
                unit_price=difference,
                amount=charge,
                prorated=True,
                period_start=at,
                period_end=state.period.end,
                item="CONTACT_TIER",
            ),
        )

    return BillingPreview(
        proration_date=at,
        currency=state.currency,
        immediate_charge=charge,
        next_invoice_before=next_invoice(state),
        next_invoice_after=next_invoice(replace(state, tier=after)),
        next_bill_date=state.period.end,
        billable_seats_before=state.billable_seats,
        billable_seats_after=state.billable_seats,
        tier_before=before,
        tier_after=after,
        lines=lines,
    )
