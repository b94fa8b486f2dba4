"""Rules of resolvers.rules.closures: reasons, confirmation, export freshness, CSV cells."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from db.enums import (
    PortfolioCloseReason,
    PortfolioCloseReasonCategory,
    PortfolioExportKind,
    Role,
    UserStatus,
)
from resolvers.rules.closures import (
    REASON_CATEGORIES,
    clean_optional_text,
    confirmation_matches,
    csv_cell,
    escape_text_cell,
    export_is_current,
    reason_category,
    stale_exports,
    text_too_long,
    transfer_target_problem,
)

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        (PortfolioCloseReason.CONSOLIDATING_PORTFOLIOS, PortfolioCloseReasonCategory.CONSOLIDATION),
        (PortfolioCloseReason.HARD_TO_USE, PortfolioCloseReasonCategory.PROBLEM),
        (PortfolioCloseReason.MISSING_FEATURES, PortfolioCloseReasonCategory.PROBLEM),
        (PortfolioCloseReason.BUGS, PortfolioCloseReasonCategory.PROBLEM),
        (PortfolioCloseReason.TESTING, PortfolioCloseReasonCategory.OTHER),
        (PortfolioCloseReason.NO_LONGER_NEEDED, PortfolioCloseReasonCategory.OTHER),
    ],
)
def test_each_reason_maps_to_its_category(reason, category):
    assert reason_category(reason) is category


def test_every_reason_has_a_category():
    assert set(REASON_CATEGORIES) == set(PortfolioCloseReason)


@pytest.mark.parametrize("typed", ["Northwind", "northwind", "  NORTHWIND ", "NorthWind\t"])
def test_confirmation_ignores_case_and_surrounding_spaces(typed):
    assert confirmation_matches(typed, "Northwind")


@pytest.mark.parametrize("typed", ["", "   ", "North wind", "Northwind Group", "Northwin"])
def test_anything_but_the_name_is_a_mismatch(typed):
    assert not confirmation_matches(typed, "Northwind")


def test_blank_name_is_never_confirmed():
    assert not confirmation_matches("", "  ")


def test_blank_optional_text_is_none_and_text_is_trimmed():
    assert clean_optional_text(None) is None
    assert clean_optional_text("   ") is None
    assert clean_optional_text("  too slow \n") == "too slow"


def test_text_length_bound_is_inclusive():
    assert not text_too_long("x" * 2000, 2000)
    assert text_too_long("x" * 2001, 2000)
    assert not text_too_long(None, 2000)


def test_export_is_current_only_if_taken_at_or_after_the_change():
    assert export_is_current(NOW, NOW)
    assert export_is_current(NOW + timedelta(seconds=1), NOW)
    assert not export_is_current(NOW - timedelta(seconds=1), NOW)
    assert not export_is_current(None, NOW)


def test_stale_exports_lists_missing_and_outdated_kinds():
    changed = {PortfolioExportKind.BILLING: NOW, PortfolioExportKind.METRIC: NOW}
    assert stale_exports({}, changed) == [PortfolioExportKind.BILLING, PortfolioExportKind.METRIC]
    assert stale_exports(
        {
            PortfolioExportKind.BILLING: NOW,
            PortfolioExportKind.METRIC: NOW - timedelta(days=1),
        },
        changed,
    ) == [PortfolioExportKind.METRIC]
    assert (
        stale_exports({PortfolioExportKind.BILLING: NOW, PortfolioExportKind.METRIC: NOW}, changed)
        == []
    )


@pytest.mark.parametrize(
    ("status", "role", "owner", "refused"),
    [
        (UserStatus.ACTIVE, Role.ADMIN, False, False),
        (UserStatus.ACTIVE, Role.REGULAR, False, True),
        (UserStatus.DEACTIVATED, Role.ADMIN, False, True),
        (UserStatus.DELETED, Role.ADMIN, False, True),
        (UserStatus.ACTIVE, Role.ADMIN, True, True),
    ],
)
def test_only_another_active_admin_can_receive_ownership(status, role, owner, refused):
    problem = transfer_target_problem(is_current_owner=owner, status=status, role=role)
    assert (problem is not None) is refused


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_cells_starting_like_a_formula_get_a_quote(text, cell):
    assert escape_text_cell(text) == cell
    assert csv_cell(text) == cell


def test_numbers_dates_and_empty_values_are_written_plainly():
    assert csv_cell(Decimal("-12.50")) == "-12.50"
    assert csv_cell(Decimal("0.0001")) == "0.0001"
    assert csv_cell(Decimal("1E+3")) == "1000"
    assert csv_cell(-7) == "-7"
    assert csv_cell(date(2026, 3, 1)) == "2026-03-01"
    assert csv_cell(NOW) == "2026-03-15T12:00:00+00:00"
    assert csv_cell(True) == "true"
    assert csv_cell(None) == ""
    assert csv_cell(Role.ADMIN) == "ADMIN"


def test_unknown_value_types_are_refused():
    with pytest.raises(TypeError):
        csv_cell(1.5)
