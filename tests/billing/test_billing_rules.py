"""Rules of resolvers.rules.billing: examples pin the numbers, hypothesis checks the laws."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.rules.billing import (
    BillingPeriod,
    BillingPreview,
    BillingState,
    Money,
    SeatChange,
    Tier,
    add_months,
    anchor_day_of,
    choose_tier,
    crossed_thresholds,
    next_invoice,
    next_period,
    percent_used,
    preview_seat_change,
    preview_tier_change,
    prorate,
    round_cents,
    tier_upgrade_charge_date,
)

D = Decimal


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


APRIL_2024 = BillingPeriod(utc(2024, 4, 1), utc(2024, 5, 1))  # 30 days
LADDER = (
    Tier(1_000, D("45.00")),
    Tier(2_000, D("90.00")),
    Tier(5_000, D("200.00")),
    Tier(10_000, D("350.00")),
)


def make_state(**overrides: object) -> BillingState:
    values: dict[str, object] = {
        "currency": "EUR",
        "seat_price": D("30.00"),
        "period": APRIL_2024,
        "billable_seats": 5,
        "pending_removal_seats": 1,
        "tier_ladder": LADDER,
        "tier": LADDER[0],
    }
    values.update(overrides)
    return BillingState(**values)  # type: ignore[arg-type]


def exact_half_up_cents(value: Fraction) -> Decimal:
    """Independent reference: half-up (away from zero) rounding of an exact rational to cents."""
    magnitude = floor(abs(value) * 100 + Fraction(1, 2))
    cents = -magnitude if value < 0 else magnitude
    return D(cents) / 100


def assert_cents(value: object) -> None:
    assert isinstance(value, Decimal), f"{value!r} is not a Decimal"
    assert value.as_tuple().exponent == -2, f"{value!r} does not have exactly two decimals"


def amounts_of(preview: BillingPreview) -> list[Decimal]:
    found = [preview.immediate_charge, preview.next_invoice_before, preview.next_invoice_after]
    for line in preview.lines:
        found += [line.unit_price, line.amount]
    return found


# --------------------------------------------------------------------------- strategies

anchors = st.integers(min_value=1, max_value=31)
moments = st.datetimes(
    min_value=datetime(1990, 1, 1),  # st.datetimes bounds must be naive
    max_value=datetime(2199, 11, 30),
    timezones=st.just(UTC),
)
prices = st.decimals(min_value=0, max_value=100_000, places=2)
amounts = st.decimals(min_value=-1_000_000, max_value=1_000_000, places=4)
counts = st.integers(min_value=0, max_value=50)


@st.composite
def monthly_periods(draw: st.DrawFn) -> tuple[BillingPeriod, int]:
    anchor = draw(anchors)
    base = draw(moments)
    return BillingPeriod(add_months(base, 0, anchor), add_months(base, 1, anchor)), anchor


@st.composite
def instants_in(draw: st.DrawFn, period: BillingPeriod) -> datetime:
    total = (period.end - period.start) // timedelta(microseconds=1)
    return period.start + timedelta(microseconds=draw(st.integers(0, total)))


@st.composite
def ladders(draw: st.DrawFn) -> tuple[Tier, ...]:
    """Unsorted ladders of distinct limits whose prices rise with the limit."""
    limits = draw(st.lists(st.integers(0, 20_000), min_size=1, max_size=6, unique=True))
    steps = draw(st.lists(prices, min_size=len(limits), max_size=len(limits)))
    total = D("0.00")
    tiers = []
    for limit, step in zip(sorted(limits), steps, strict=True):
        total += step
        tiers.append(Tier(limit, total))
    return tuple(draw(st.permutations(tiers)))


@st.composite
def states(draw: st.DrawFn) -> tuple[BillingState, datetime]:
    period, _ = draw(monthly_periods())
    ladder = draw(ladders())
    billable = draw(counts)
    state = BillingState(
        currency=draw(st.sampled_from(["EUR", "USD", "PLN"])),
        seat_price=draw(prices),
        period=period,
        billable_seats=billable,
        pending_removal_seats=draw(st.integers(0, billable)),
        tier_ladder=ladder,
        tier=draw(st.sampled_from(ladder)),
    )
    return state, draw(instants_in(period))


@st.composite
def seat_changes(draw: st.DrawFn, state: BillingState) -> SeatChange:
    return SeatChange(
        buy=draw(counts),
        cancel_removal=draw(st.integers(0, state.pending_removal_seats)),
        schedule_removal=draw(st.integers(0, state.renewing_seats)),
    )


# --------------------------------------------------------------------------- Money


def test_money_adds_and_subtracts_within_one_currency() -> None:
    total = Money(D("10.50"), "EUR") + Money(D("0.75"), "EUR") - Money(D("1.25"), "EUR")
    assert total == Money(D("10.00"), "EUR")


@pytest.mark.parametrize("operation", ["add", "sub"])
def test_money_refuses_mixed_currencies(operation: str) -> None:
    eur, usd = Money(D("1.00"), "EUR"), Money(D("1.00"), "USD")
    with pytest.raises(ValueError, match="EUR with USD"):
        _ = eur + usd if operation == "add" else eur - usd


def test_money_zero_is_neutral_and_has_cents() -> None:
    zero = Money.zero("PLN")
    assert zero.currency == "PLN"
    assert_cents(zero.amount)
    assert zero + Money(D("3.10"), "PLN") == Money(D("3.10"), "PLN")


def test_money_refuses_non_money_operands() -> None:
    with pytest.raises(TypeError):
        _ = Money(D("1.00"), "EUR") + D("1.00")  # type: ignore[operator]


@pytest.mark.parametrize("amount", [1.5, 1, "1.00"])
def test_money_is_never_float_or_other_non_decimal(amount: object) -> None:
    with pytest.raises(TypeError):
        Money(amount, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_money_refuses_non_finite_amounts(amount: Decimal) -> None:
    with pytest.raises(ValueError, match="finite"):
        Money(amount, "EUR")


@pytest.mark.parametrize("currency", ["", "eur", "EURO", "E1R", "ÉUR"])
def test_money_refuses_malformed_currency(currency: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(D("1.00"), currency)


# --------------------------------------------------------------------------- round_cents


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),  # float would give 2.67
        ("1.004999", "1.00"),
        ("-0.005", "-0.01"),  # ties go away from zero
        ("7", "7.00"),
    ],
)
def test_round_cents_rounds_half_up(value: str, expected: str) -> None:
    assert round_cents(D(value)) == D(expected)
    assert_cents(round_cents(D(value)))


@given(amounts)
def test_round_cents_always_has_two_decimals_and_moves_less_than_half_a_cent(
    value: Decimal,
) -> None:
    rounded = round_cents(value)
    assert_cents(rounded)
    assert abs(rounded - value) <= D("0.005")


# --------------------------------------------------------------------------- periods


def test_period_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        BillingPeriod(datetime(2024, 4, 1), utc(2024, 5, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        BillingPeriod(utc(2024, 4, 1), datetime(2024, 5, 1))


@pytest.mark.parametrize(
    ("start", "end"), [(utc(2024, 5, 1), utc(2024, 5, 1)), (utc(2024, 5, 1), utc(2024, 4, 1))]
)
def test_period_refuses_empty_or_reversed_ranges(start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        BillingPeriod(start, end)


# --------------------------------------------------------------------------- prorate


def test_prorate_at_period_start_is_full_amount() -> None:
    assert prorate(D("29.99"), APRIL_2024, APRIL_2024.start) == D("29.99")


def test_prorate_at_period_end_is_zero() -> None:
    charge = prorate(D("29.99"), APRIL_2024, APRIL_2024.end)
    assert charge == 0
    assert_cents(charge)


def test_prorate_half_period_is_half_amount() -> None:
    assert prorate(D("30.00"), APRIL_2024, utc(2024, 4, 16)) == D("15.00")


@pytest.mark.parametrize(("amount", "expected"), [("0.01", "0.01"), ("1.01", "0.51")])
def test_prorate_rounds_an_exact_half_cent_up(amount: str, expected: str) -> None:
    # half of the period is left, so the exact value is 0.005 / 0.505: both round up.
    assert prorate(D(amount), APRIL_2024, utc(2024, 4, 16)) == D(expected)


def test_prorate_counts_microseconds_not_seconds() -> None:
    period = BillingPeriod(utc(2024, 4, 1), utc(2024, 4, 1, 0, 0, 1))  # one second
    at = period.start + timedelta(microseconds=500_000)
    assert prorate(D("0.01"), period, at) == D("0.01")  # exactly 0.005 -> up
    assert prorate(D("0.01"), period, at + timedelta(microseconds=1)) == D("0.00")


def test_prorate_over_a_leap_february_uses_29_days() -> None:
    february = BillingPeriod(utc(2024, 2, 1), utc(2024, 3, 1))
    assert prorate(D("29.00"), february, utc(2024, 2, 2)) == D("28.00")


def test_prorate_accepts_other_aware_offsets_for_the_same_instant() -> None:
    plus_two = timezone(timedelta(hours=2))
    same_instant = datetime(2024, 4, 16, 2, 0, tzinfo=plus_two)
    assert prorate(D("30.00"), APRIL_2024, same_instant) == D("15.00")


@pytest.mark.parametrize(
    "at",
    [
        utc(2024, 3, 31, 23, 59, 59, 999_999),
        utc(2024, 5, 1, 0, 0, 0, 1),
        utc(2025, 1, 1),
    ],
)
def test_prorate_refuses_instants_outside_the_period(at: datetime) -> None:
    with pytest.raises(ValueError, match="outside the period"):
        prorate(D("10.00"), APRIL_2024, at)


def test_prorate_refuses_naive_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        prorate(D("10.00"), APRIL_2024, datetime(2024, 4, 16))


def test_prorate_refuses_float_amount() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        prorate(10.0, APRIL_2024, utc(2024, 4, 16))  # type: ignore[arg-type]


@given(amounts, monthly_periods(), st.data())
def test_prorate_matches_the_exact_rational_value_rounded_half_up(
    amount: Decimal, period_and_anchor: tuple[BillingPeriod, int], data: st.DataObject
) -> None:
    period, _ = period_and_anchor
    at = data.draw(instants_in(period))
    left = (period.end - at) // timedelta(microseconds=1)
    total = (period.end - period.start) // timedelta(microseconds=1)
    exact = Fraction(amount) * Fraction(left, total)
    result = prorate(amount, period, at)
    assert result == exact_half_up_cents(exact)
    assert_cents(result)


@given(prices, monthly_periods(), st.data())
def test_prorate_stays_between_zero_and_the_full_amount(
    amount: Decimal, period_and_anchor: tuple[BillingPeriod, int], data: st.DataObject
) -> None:
    period, _ = period_and_anchor
    at = data.draw(instants_in(period))
    assert D("0.00") <= prorate(amount, period, at) <= amount


@given(prices, monthly_periods(), st.data())
def test_prorate_never_increases_as_time_passes(
    amount: Decimal, period_and_anchor: tuple[BillingPeriod, int], data: st.DataObject
) -> None:
    period, _ = period_and_anchor
    first, second = sorted([data.draw(instants_in(period)), data.draw(instants_in(period))])
    assert prorate(amount, period, first) >= prorate(amount, period, second)


# --------------------------------------------------------------------------- add_months


@pytest.mark.parametrize(
    ("moment", "months", "anchor", "expected"),
    [
        (utc(2024, 1, 31), 1, 31, utc(2024, 2, 29)),  # leap year
        (utc(2023, 1, 31), 1, 31, utc(2023, 2, 28)),
        (utc(2024, 2, 29), 1, 31, utc(2024, 3, 31)),  # the anchor comes back after February
        (utc(2023, 2, 28), 1, 31, utc(2023, 3, 31)),
        (utc(2024, 3, 31), 1, 31, utc(2024, 4, 30)),
        (utc(2024, 1, 30), 1, 30, utc(2024, 2, 29)),
        (utc(2024, 2, 29), 1, 30, utc(2024, 3, 30)),
        (utc(2024, 1, 29), 1, 29, utc(2024, 2, 29)),
        (utc(2023, 1, 29), 1, 29, utc(2023, 2, 28)),
        (utc(2024, 12, 31), 1, 31, utc(2025, 1, 31)),  # across the year
        (utc(2024, 1, 31), 13, 31, utc(2025, 2, 28)),
        (utc(2024, 3, 31), -1, 31, utc(2024, 2, 29)),  # backwards
        (utc(2024, 1, 15), -1, 15, utc(2023, 12, 15)),
        (utc(2024, 2, 29), 12, 29, utc(2025, 2, 28)),
        (utc(2024, 2, 29), 48, 29, utc(2028, 2, 29)),
        (utc(2024, 5, 17), 0, 3, utc(2024, 5, 3)),  # zero months snaps onto the anchor
    ],
)
def test_add_months_keeps_the_anchor_day_where_the_month_has_it(
    moment: datetime, months: int, anchor: int, expected: datetime
) -> None:
    assert add_months(moment, months, anchor) == expected


def test_add_months_keeps_time_of_day_and_timezone() -> None:
    moment = utc(2024, 1, 31, 13, 45, 7, 123_456)
    result = add_months(moment, 1, 31)
    assert result == utc(2024, 2, 29, 13, 45, 7, 123_456)
    assert result.tzinfo is UTC


@pytest.mark.parametrize("anchor", [0, 32, -1])
def test_add_months_refuses_anchors_outside_1_to_31(anchor: int) -> None:
    with pytest.raises(ValueError, match="anchor_day"):
        add_months(utc(2024, 1, 1), 1, anchor)


def test_add_months_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_months(datetime(2024, 1, 1), 1, 1)


@given(moments, st.integers(-600, 600), anchors)
def test_add_months_lands_on_the_anchor_or_the_month_end(
    moment: datetime, months: int, anchor: int
) -> None:
    result = add_months(moment, months, anchor)
    assert (result.year * 12 + result.month) - (moment.year * 12 + moment.month) == months
    assert result.day == min(anchor, calendar.monthrange(result.year, result.month)[1])
    assert result.time() == moment.time()


@given(moments, st.integers(-120, 120), st.integers(-120, 120), anchors)
def test_add_months_composes(moment: datetime, first: int, second: int, anchor: int) -> None:
    stepped = add_months(add_months(moment, first, anchor), second, anchor)
    assert stepped == add_months(moment, first + second, anchor)


# --------------------------------------------------------------------------- next_period


def test_next_period_starts_where_the_period_ends() -> None:
    assert next_period(APRIL_2024, 1) == BillingPeriod(utc(2024, 5, 1), utc(2024, 6, 1))


def test_periods_anchored_on_the_31st_walk_through_february_and_come_back() -> None:
    period = BillingPeriod(utc(2024, 1, 31), utc(2024, 2, 29))
    ends = []
    for _ in range(4):
        period = next_period(period, 31)
        ends.append(period.end)
    assert ends == [utc(2024, 3, 31), utc(2024, 4, 30), utc(2024, 5, 31), utc(2024, 6, 30)]


@given(monthly_periods())
def test_periods_are_contiguous_and_28_to_31_days_long(
    period_and_anchor: tuple[BillingPeriod, int],
) -> None:
    period, anchor = period_and_anchor
    for _ in range(25):
        following = next_period(period, anchor)
        assert following.start == period.end
        assert timedelta(days=28) <= following.end - following.start <= timedelta(days=31)
        assert following.end.day == min(
            anchor, calendar.monthrange(following.end.year, following.end.month)[1]
        )
        period = following


@given(monthly_periods())
def test_anchor_day_of_recovers_the_anchor_of_a_monthly_period(
    period_and_anchor: tuple[BillingPeriod, int],
) -> None:
    period, anchor = period_and_anchor
    assert anchor_day_of(period) == anchor


# --------------------------------------------------------------------------- choose_tier


@pytest.mark.parametrize(
    ("billed", "expected_limit"),
    [(0, 1_000), (999, 1_000), (1_000, 1_000), (1_001, 2_000), (4_999, 5_000), (10_000, 10_000)],
)
def test_choose_tier_picks_the_smallest_tier_that_fits(billed: int, expected_limit: int) -> None:
    assert choose_tier(LADDER, LADDER[0], billed).limit == expected_limit


def test_choose_tier_accepts_an_unsorted_ladder() -> None:
    shuffled = (LADDER[3], LADDER[0], LADDER[2], LADDER[1])
    assert choose_tier(shuffled, LADDER[0], 1_500) == LADDER[1]


def test_choose_tier_never_moves_down_by_itself() -> None:
    assert choose_tier(LADDER, LADDER[2], 10) == LADDER[2]


def test_choose_tier_returns_the_top_tier_when_nothing_fits() -> None:
    assert choose_tier(LADDER, LADDER[0], 1_000_000) == LADDER[3]


def test_choose_tier_keeps_a_grandfathered_current_tier() -> None:
    grandfathered = Tier(2_000, D("70.00"))  # same limit as a ladder tier, older price
    assert choose_tier(LADDER, grandfathered, 1_900) is grandfathered
    assert choose_tier(LADDER, grandfathered, 2_001) == LADDER[2]


def test_choose_tier_with_an_empty_ladder_keeps_the_current_tier() -> None:
    assert choose_tier((), LADDER[1], 50_000) == LADDER[1]


def test_choose_tier_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="billed_contacts"):
        choose_tier(LADDER, LADDER[0], -1)


@given(ladders(), st.data(), st.integers(0, 25_000))
def test_choose_tier_never_goes_below_the_current_tier(
    ladder: tuple[Tier, ...], data: st.DataObject, billed: int
) -> None:
    current = data.draw(st.sampled_from(ladder))
    assert choose_tier(ladder, current, billed).limit >= current.limit


@given(ladders(), st.data(), st.integers(0, 25_000))
def test_choose_tier_fits_whenever_the_ladder_allows(
    ladder: tuple[Tier, ...], data: st.DataObject, billed: int
) -> None:
    current = data.draw(st.sampled_from(ladder))
    chosen = choose_tier(ladder, current, billed)
    if any(tier.limit >= billed for tier in ladder):
        assert chosen.limit >= billed
    else:
        assert chosen == max(ladder, key=lambda tier: tier.limit)


@given(ladders(), st.data(), st.integers(0, 25_000))
def test_choose_tier_is_the_smallest_fitting_tier_not_below_current(
    ladder: tuple[Tier, ...], data: st.DataObject, billed: int
) -> None:
    current = data.draw(st.sampled_from(ladder))
    chosen = choose_tier(ladder, current, billed)
    candidates = [t for t in ladder if t.limit >= billed and t.limit >= current.limit]
    if candidates:
        assert chosen == min(candidates, key=lambda tier: tier.limit)


# --------------------------------------------------------------------------- state and next invoice


def test_renewing_seats_exclude_pending_removals() -> None:
    assert make_state(billable_seats=7, pending_removal_seats=2).renewing_seats == 5


def test_next_invoice_bills_renewing_seats_and_the_tier() -> None:
    invoice = next_invoice(make_state())  # 4 renewing x 30.00 + 45.00
    assert invoice == D("165.00")
    assert_cents(invoice)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"pending_removal_seats": 6}, ValueError),
        ({"billable_seats": -1, "pending_removal_seats": 0}, ValueError),
        ({"pending_removal_seats": -1}, ValueError),
        ({"seat_price": D("-1.00")}, ValueError),
        ({"seat_price": D("29.999")}, ValueError),
        ({"seat_price": 30.0}, TypeError),
        ({"currency": "eur"}, ValueError),
    ],
)
def test_billing_state_refuses_inconsistent_values(
    overrides: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        make_state(**overrides)


@pytest.mark.parametrize(
    ("limit", "price", "error"),
    [(-1, D("1.00"), ValueError), (10, D("0.001"), ValueError), (10, 1.0, TypeError)],
)
def test_tier_refuses_negative_limits_and_non_cent_prices(
    limit: int, price: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        Tier(limit, price)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- seat previews


def test_buying_seats_charges_the_rest_of_the_period_per_seat() -> None:
    at = utc(2024, 4, 16)  # half of April left
    preview = preview_seat_change(make_state(), SeatChange(buy=2), at)
    assert preview.immediate_charge == D("30.00")
    assert preview.billable_seats_before == 5
    assert preview.billable_seats_after == 7
    assert preview.next_invoice_before == D("165.00")
    assert preview.next_invoice_after == D("225.00")
    assert preview.proration_date == at
    assert preview.next_bill_date == utc(2024, 5, 1)
    assert preview.currency == "EUR"
    assert preview.tier_before == preview.tier_after == LADDER[0]
    (line,) = preview.lines
    assert line.description == "New seats (prorated)"
    assert (line.quantity, line.unit_price, line.amount, line.prorated) == (
        2,
        D("30.00"),
        D("30.00"),
        True,
    )
    assert (line.period_start, line.period_end) == (at, utc(2024, 5, 1))


def test_proration_is_rounded_once_per_line_not_per_seat() -> None:
    # A third of January is left: one seat costs round(10.00 / 3) = 3.33, but a line of 3 seats
    # costs round(30.00 / 3) = 10.00 (Stripe prorates an item's quantity once), not 3 x 3.33.
    january = BillingPeriod(utc(2024, 1, 1), utc(2024, 2, 1))
    at = january.end - (january.end - january.start) / 3
    state = make_state(seat_price=D("10.00"), period=january)
    assert preview_seat_change(state, SeatChange(buy=1), at).immediate_charge == D("3.33")
    assert preview_seat_change(state, SeatChange(buy=3), at).immediate_charge == D("10.00")


def test_cancelling_a_removal_costs_nothing_now_and_renews_the_seat() -> None:
    state = make_state()
    preview = preview_seat_change(state, SeatChange(cancel_removal=1), utc(2024, 4, 10))
    assert preview.immediate_charge == D("0.00")
    assert preview.billable_seats_after == state.billable_seats
    assert preview.next_invoice_after - preview.next_invoice_before == state.seat_price
    (line,) = preview.lines
    assert line.description == "Seat removal cancelled"
    assert (line.quantity, line.amount, line.prorated) == (1, D("0.00"), False)
    assert (line.period_start, line.period_end) == (utc(2024, 5, 1), utc(2024, 6, 1))


def test_scheduled_removals_stay_billable_until_the_period_ends() -> None:
    state = make_state()
    preview = preview_seat_change(state, SeatChange(schedule_removal=2), utc(2024, 4, 10))
    assert preview.immediate_charge == D("0.00")
    assert preview.billable_seats_after == state.billable_seats
    assert preview.next_invoice_after == D("105.00")  # 2 renewing x 30.00 + 45.00
    (line,) = preview.lines
    assert line.description == "Seat removals scheduled"
    assert (line.quantity, line.unit_price, line.amount, line.prorated) == (
        2,
        D("30.00"),
        D("0.00"),
        False,
    )
    assert (line.period_start, line.period_end) == (utc(2024, 5, 1), utc(2024, 6, 1))


def test_removal_lines_cover_the_next_period_of_a_31st_anchor() -> None:
    period = BillingPeriod(utc(2024, 1, 31), utc(2024, 2, 29))
    state = make_state(period=period)
    (line,) = preview_seat_change(state, SeatChange(schedule_removal=1), utc(2024, 2, 1)).lines
    assert (line.period_start, line.period_end) == (utc(2024, 2, 29), utc(2024, 3, 31))


def test_a_combined_change_lists_each_part_in_order() -> None:
    preview = preview_seat_change(
        make_state(), SeatChange(buy=1, cancel_removal=1, schedule_removal=1), utc(2024, 4, 16)
    )
    assert [line.description for line in preview.lines] == [
        "New seat (prorated)",
        "Seat removal cancelled",
        "Seat removal scheduled",
    ]


def test_a_no_op_change_has_zero_charge_and_no_lines() -> None:
    state = make_state()
    preview = preview_seat_change(state, SeatChange(), utc(2024, 4, 16))
    assert preview.immediate_charge == D("0.00")
    assert_cents(preview.immediate_charge)
    assert preview.lines == ()
    assert preview.next_invoice_after == preview.next_invoice_before
    assert preview.billable_seats_after == preview.billable_seats_before


def test_buying_at_the_period_end_is_free_and_at_the_start_is_full_price() -> None:
    state = make_state()
    assert preview_seat_change(state, SeatChange(buy=3), APRIL_2024.end).immediate_charge == 0
    full = preview_seat_change(state, SeatChange(buy=3), APRIL_2024.start).immediate_charge
    assert full == D("90.00")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (SeatChange(buy=-1), "buy"),
        (SeatChange(cancel_removal=-1), "cancel_removal"),
        (SeatChange(schedule_removal=-1), "schedule_removal"),
        (SeatChange(cancel_removal=2), "pending removal"),  # only 1 is pending
        (SeatChange(schedule_removal=5), "renew"),  # only 4 renew
    ],
)
def test_seat_change_refuses_impossible_counts(change: SeatChange, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        preview_seat_change(make_state(), change, utc(2024, 4, 16))


@pytest.mark.parametrize("at", [utc(2024, 3, 31), utc(2024, 5, 2)])
def test_seat_preview_refuses_instants_outside_the_period(at: datetime) -> None:
    with pytest.raises(ValueError, match="outside the period"):
        preview_seat_change(make_state(), SeatChange(), at)


def test_seat_preview_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        preview_seat_change(make_state(), SeatChange(buy=1), datetime(2024, 4, 16))


@given(states(), st.data())
def test_charge_is_never_negative(
    state_and_at: tuple[BillingState, datetime], data: st.DataObject
) -> None:
    state, at = state_and_at
    change = data.draw(seat_changes(state))
    assert preview_seat_change(state, change, at).immediate_charge >= 0


@given(states(), st.data())
def test_charge_never_exceeds_a_full_period_price(
    state_and_at: tuple[BillingState, datetime], data: st.DataObject
) -> None:
    state, at = state_and_at
    change = data.draw(seat_changes(state))
    charge = preview_seat_change(state, change, at).immediate_charge
    assert charge <= change.buy * state.seat_price


@given(states(), st.integers(0, 40))
def test_n_single_seat_purchases_differ_from_one_line_of_n_by_rounding_only(
    state_and_at: tuple[BillingState, datetime], n: int
) -> None:
    # Each rounding moves a value by at most half a cent: n single lines and one line of n.
    state, at = state_and_at
    one = preview_seat_change(state, SeatChange(buy=1), at).immediate_charge
    line = preview_seat_change(state, SeatChange(buy=n), at).immediate_charge
    assert abs(one * n - line) <= D("0.005") * (n + 1)


@given(states(), st.data())
def test_next_invoice_moves_by_the_renewing_seat_delta(
    state_and_at: tuple[BillingState, datetime], data: st.DataObject
) -> None:
    state, at = state_and_at
    change = data.draw(seat_changes(state))
    preview = preview_seat_change(state, change, at)
    delta = change.buy + change.cancel_removal - change.schedule_removal
    assert preview.next_invoice_before == next_invoice(state)
    assert preview.next_invoice_after - preview.next_invoice_before == delta * state.seat_price
    assert preview.billable_seats_after == state.billable_seats + change.buy


@given(states(), st.data())
def test_line_amounts_sum_to_the_immediate_charge(
    state_and_at: tuple[BillingState, datetime], data: st.DataObject
) -> None:
    state, at = state_and_at
    change = data.draw(seat_changes(state))
    preview = preview_seat_change(state, change, at)
    assert sum((line.amount for line in preview.lines), D("0.00")) == preview.immediate_charge
    assert sum(line.quantity for line in preview.lines) == (
        change.buy + change.cancel_removal + change.schedule_removal
    )
    for line in preview.lines:
        if line.prorated:  # only the bought seats, charged from `at` to the bill date
            assert (line.quantity, line.period_start, line.period_end) == (
                change.buy,
                at,
                state.period.end,
            )
        else:  # removals and cancellations: nothing now, they shape the next period
            assert line.amount == 0
            assert line.period_start == state.period.end


@given(states(), st.data())
def test_seat_preview_money_is_never_float(
    state_and_at: tuple[BillingState, datetime], data: st.DataObject
) -> None:
    state, at = state_and_at
    preview = preview_seat_change(state, data.draw(seat_changes(state)), at)
    for amount in amounts_of(preview):
        assert_cents(amount)


@given(states(), st.data())
def test_seat_preview_rounds_quantity_times_price_times_fraction_once(
    state_and_at: tuple[BillingState, datetime], data: st.DataObject
) -> None:
    # Any quantity, price and instant: the exact rational value, rounded half-up once.
    state, at = state_and_at
    change = data.draw(seat_changes(state))
    preview = preview_seat_change(state, change, at)
    period = state.period
    fraction = Fraction((period.end - at) // timedelta(microseconds=1)) / Fraction(
        (period.end - period.start) // timedelta(microseconds=1)
    )
    exact = change.buy * Fraction(state.seat_price) * fraction
    assert preview.immediate_charge == exact_half_up_cents(exact)
    if change.buy:
        (bought,) = [line for line in preview.lines if line.prorated]
        assert bought.amount == preview.immediate_charge


# --------------------------------------------------------------------------- tier previews


def test_tier_upgrade_charges_the_prorated_price_difference() -> None:
    at = utc(2024, 4, 16)  # half of April left
    preview = preview_tier_change(make_state(), 1_500, at)
    assert preview.tier_before == LADDER[0]
    assert preview.tier_after == LADDER[1]
    assert preview.immediate_charge == D("22.50")  # (90.00 - 45.00) / 2
    assert preview.next_invoice_before == D("165.00")
    assert preview.next_invoice_after == D("210.00")
    assert preview.proration_date == at
    assert preview.next_bill_date == utc(2024, 5, 1)
    (line,) = preview.lines
    assert line.description == "Contact tier 1,000 -> 2,000"
    assert (line.quantity, line.unit_price, line.amount, line.prorated) == (
        1,
        D("45.00"),
        D("22.50"),
        True,
    )
    assert (line.period_start, line.period_end) == (at, utc(2024, 5, 1))


def test_tier_upgrade_can_skip_rungs() -> None:
    preview = preview_tier_change(make_state(), 7_000, APRIL_2024.start)
    assert preview.tier_after == LADDER[3]
    assert preview.immediate_charge == D("305.00")
    assert preview.lines[0].description == "Contact tier 1,000 -> 10,000"


def test_tier_change_within_the_tier_costs_nothing() -> None:
    state = make_state()
    preview = preview_tier_change(state, 1_000, utc(2024, 4, 16))
    assert preview.tier_after == state.tier
    assert preview.immediate_charge == D("0.00")
    assert preview.lines == ()
    assert preview.next_invoice_after == preview.next_invoice_before


def test_tier_never_moves_down_in_a_preview() -> None:
    state = make_state(tier=LADDER[2])
    preview = preview_tier_change(state, 10, utc(2024, 4, 16))
    assert preview.tier_after == LADDER[2]
    assert preview.immediate_charge == D("0.00")
    assert preview.lines == ()


def test_tier_overflow_moves_to_the_top_tier_and_stops_there() -> None:
    preview = preview_tier_change(make_state(tier=LADDER[3]), 50_000, utc(2024, 4, 16))
    assert preview.tier_after == LADDER[3]
    assert preview.lines == ()


def test_tier_upgrade_from_a_grandfathered_price_is_never_a_refund() -> None:
    expensive = Tier(1_000, D("120.00"))  # old price above the next rung's current price
    preview = preview_tier_change(make_state(tier=expensive), 1_500, utc(2024, 4, 16))
    assert preview.tier_after == LADDER[1]
    assert preview.immediate_charge == D("0.00")
    (line,) = preview.lines
    assert (line.unit_price, line.amount) == (D("0.00"), D("0.00"))
    assert preview.next_invoice_after - preview.next_invoice_before == D("-30.00")


def test_tier_change_keeps_the_seats() -> None:
    state = make_state()
    preview = preview_tier_change(state, 3_000, utc(2024, 4, 16))
    assert preview.billable_seats_before == preview.billable_seats_after == state.billable_seats


def test_tier_change_refuses_a_negative_count_and_instants_outside_the_period() -> None:
    with pytest.raises(ValueError, match="billed_contacts_after"):
        preview_tier_change(make_state(), -1, utc(2024, 4, 16))
    with pytest.raises(ValueError, match="outside the period"):
        preview_tier_change(make_state(), 1_500, utc(2024, 5, 2))


def test_tier_upgrade_charge_is_posted_the_next_day() -> None:
    assert tier_upgrade_charge_date(utc(2024, 4, 16, 10, 30)) == utc(2024, 4, 17, 10, 30)
    assert tier_upgrade_charge_date(utc(2024, 2, 28, 23)) == utc(2024, 2, 29, 23)


def test_tier_upgrade_charge_date_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        tier_upgrade_charge_date(datetime(2024, 4, 16))


@given(states(), st.integers(0, 25_000))
def test_tier_charge_is_never_negative_nor_above_a_full_month_of_the_difference(
    state_and_at: tuple[BillingState, datetime], billed: int
) -> None:
    state, at = state_and_at
    preview = preview_tier_change(state, billed, at)
    difference = max(preview.tier_after.price - preview.tier_before.price, D(0))
    assert D(0) <= preview.immediate_charge <= difference


@given(states(), st.integers(0, 25_000))
def test_tier_next_invoice_moves_by_the_tier_price_difference(
    state_and_at: tuple[BillingState, datetime], billed: int
) -> None:
    state, at = state_and_at
    preview = preview_tier_change(state, billed, at)
    assert preview.tier_after == choose_tier(state.tier_ladder, state.tier, billed)
    assert preview.next_invoice_after - preview.next_invoice_before == (
        preview.tier_after.price - preview.tier_before.price
    )
    assert preview.billable_seats_after == preview.billable_seats_before


@given(states(), st.integers(0, 25_000))
def test_tier_preview_has_a_line_exactly_when_the_tier_moves_up(
    state_and_at: tuple[BillingState, datetime], billed: int
) -> None:
    state, at = state_and_at
    preview = preview_tier_change(state, billed, at)
    moved_up = preview.tier_after.limit > preview.tier_before.limit
    assert len(preview.lines) == (1 if moved_up else 0)
    assert sum((line.amount for line in preview.lines), D("0.00")) == preview.immediate_charge
    if moved_up:
        (line,) = preview.lines
        assert line.prorated
        assert line.amount == prorate(line.unit_price, state.period, at)


@given(states(), st.integers(0, 25_000))
def test_tier_preview_money_is_never_float(
    state_and_at: tuple[BillingState, datetime], billed: int
) -> None:
    state, at = state_and_at
    for amount in amounts_of(preview_tier_change(state, billed, at)):
        assert_cents(amount)


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("billed", "limit", "expected"),
    [
        (0, 1_000, 0.0),
        (900, 1_000, 90.0),
        (1_000, 1_000, 100.0),
        (1_500, 1_000, 150.0),  # may exceed 100
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 16, 6.3),  # 6.25 rounds half-up
        (1, 8, 12.5),
        (0, 0, 0.0),
        (5, 0, 100.0),
    ],
)
def test_percent_used_is_rounded_half_up_to_one_decimal(
    billed: int, limit: int, expected: float
) -> None:
    assert percent_used(billed, Tier(limit, D("10.00"))) == expected


def test_percent_used_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="billed_contacts"):
        percent_used(-1, LADDER[0])


@given(st.integers(0, 10**7), st.integers(1, 10**6))
def test_percent_used_matches_the_exact_ratio(billed: int, limit: int) -> None:
    exact = D(billed * 100) / D(limit)
    expected = float(exact.quantize(D("0.1"), rounding=ROUND_HALF_UP))
    assert percent_used(billed, Tier(limit, D("0.00"))) == expected
    assert abs(percent_used(billed, Tier(limit, D("0.00"))) - billed * 100 / limit) <= 0.05 + 1e-9


@pytest.mark.parametrize(
    ("before", "after", "limit", "expected"),
    [
        (800, 900, 1_000, [90]),
        (899, 1_000, 1_000, [90, 100]),
        (900, 950, 1_000, []),  # 90 % was already reached
        (1_000, 1_200, 1_000, []),
        (1_000, 800, 1_000, []),  # going down never notifies
        (0, 2_000, 1_000, [90, 100]),
        (899, 899, 1_000, []),
        (8, 9, 10, [90]),
        (0, 1, 0, [90, 100]),  # a zero limit is full with the first contact
        (1, 5, 0, []),
    ],
)
def test_crossed_thresholds_fire_once_on_the_way_up(
    before: int, after: int, limit: int, expected: list[int]
) -> None:
    assert crossed_thresholds(before, after, limit) == expected


def test_crossed_thresholds_accepts_custom_thresholds_in_any_order() -> None:
    assert crossed_thresholds(0, 1_000, 1_000, (100, 50, 75, 50)) == [50, 75, 100]


@pytest.mark.parametrize(
    ("args", "thresholds"),
    [((-1, 5, 10), (90,)), ((1, -5, 10), (90,)), ((1, 5, -10), (90,)), ((1, 5, 10), (0,))],
)
def test_crossed_thresholds_refuses_negative_inputs(
    args: tuple[int, int, int], thresholds: tuple[int, ...]
) -> None:
    with pytest.raises(ValueError, match=r"negative|positive"):
        crossed_thresholds(*args, thresholds)


@given(
    st.integers(0, 20_000),
    st.integers(0, 20_000),
    st.integers(1, 20_000),
    st.lists(st.integers(1, 200), max_size=5),
)
def test_crossed_thresholds_are_those_between_the_exact_percentages(
    before: int, after: int, limit: int, thresholds: list[int]
) -> None:
    pct_before, pct_after = Fraction(before * 100, limit), Fraction(after * 100, limit)
    expected = sorted({t for t in thresholds if pct_before < t <= pct_after})
    assert crossed_thresholds(before, after, limit, thresholds) == expected


@given(st.lists(st.integers(0, 5_000), min_size=3, max_size=3), st.integers(0, 5_000))
def test_crossed_thresholds_add_up_along_a_rising_path(counts3: list[int], limit: int) -> None:
    low, mid, high = sorted(counts3)
    stepwise = crossed_thresholds(low, mid, limit) + crossed_thresholds(mid, high, limit)
    assert stepwise == crossed_thresholds(low, high, limit)


# --------------------------------------------------------------------------- immutability


def test_previews_are_immutable() -> None:
    preview = preview_seat_change(make_state(), SeatChange(buy=1), utc(2024, 4, 16))
    with pytest.raises(AttributeError):
        preview.immediate_charge = D("0.00")  # type: ignore[misc]
