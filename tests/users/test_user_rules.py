"""The pure lifecycle rules, exhaustively: every status, role, owner flag and admin count."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.enums import Role, UserStatus
from resolvers.errors import ErrorCode
from resolvers.rules.users import (
    SeatSource,
    UserFacts,
    deactivation_refusal,
    deletion_refusal,
    email_refusal,
    plan_add_seats,
    reactivation_refusal,
    seat_source,
)

ALL_FACTS = [
    UserFacts(user_id=2, status=status, role=role, is_account_owner=owner)
    for status, role, owner in itertools.product(UserStatus, Role, (False, True))
]


@pytest.mark.parametrize("target", ALL_FACTS)
@pytest.mark.parametrize("admins", [0, 1, 2])
def test_deactivation_allowed_only_for_active_non_owner_non_last_admin(target, admins):
    refusal = deactivation_refusal(target, actor_user_id=1, active_admins=admins)
    allowed = (
        target.status is UserStatus.ACTIVE
        and not target.is_account_owner
        and (target.role is Role.REGULAR or admins > 1)
    )
    assert (refusal is None) == allowed


def test_deactivation_refusal_codes():
    active_admin = UserFacts(2, UserStatus.ACTIVE, Role.ADMIN, is_account_owner=False)
    owner = UserFacts(2, UserStatus.ACTIVE, Role.ADMIN, is_account_owner=True)
    codes = [
        refusal.code if refusal else None
        for refusal in (
            deactivation_refusal(active_admin, 2, 3),  # oneself
            deactivation_refusal(owner, 1, 3),
            deactivation_refusal(active_admin, 1, 1),
        )
    ]
    assert codes == [ErrorCode.INVALID_INPUT, ErrorCode.ACCOUNT_OWNER, ErrorCode.LAST_ADMIN]


@pytest.mark.parametrize("target", ALL_FACTS)
def test_only_deactivated_users_are_reactivated_or_deleted(target):
    deactivated = target.status is UserStatus.DEACTIVATED
    assert (reactivation_refusal(target) is None) == deactivated
    assert (deletion_refusal(target) is None) == deactivated


@given(st.integers(0, 50), st.integers(0, 50))
def test_seat_source_prefers_free_then_pending_then_purchase(free, pending):
    source = seat_source(free, pending)
    if free:
        assert source is SeatSource.FREE
    elif pending:
        assert source is SeatSource.CANCEL_REMOVAL
    else:
        assert source is SeatSource.BUY


@given(st.integers(1, 1000), st.integers(0, 1000))
def test_add_seats_cancels_pending_removals_before_buying(count, pending):
    plan = plan_add_seats(count, pending)
    assert plan.cancel_removal + plan.buy == count
    assert plan.cancel_removal == min(count, pending)


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("a@b.example", True),
        ("  A@B.example ", True),
        ("nope", False),
        ("a@b", False),
        ("@b.example", False),
        ("a b@c.example", False),
        ("a@b@c.example", False),
    ],
)
def test_email_shape(email, ok):
    assert (email_refusal(email) is None) == ok
