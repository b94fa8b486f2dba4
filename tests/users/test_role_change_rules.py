"""Rules of resolvers.rules.users: who may change a user's role."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from db.enums import Role, UserStatus
from resolvers.errors import ErrorCode
from resolvers.rules.users import RoleChange, decide_role_change

BASE_CHANGE = RoleChange(
    target_role=Role.ADMIN,
    target_status=UserStatus.ACTIVE,
    target_is_account_owner=False,
    new_role=Role.REGULAR,
    active_admins=2,
)


def _change(**overrides: Any) -> RoleChange:
    return replace(BASE_CHANGE, **overrides)


def test_an_admin_can_be_demoted_while_another_active_admin_remains():
    assert decide_role_change(_change()) is None


def test_the_account_owner_cannot_be_demoted():
    assert decide_role_change(_change(target_is_account_owner=True)) is ErrorCode.ACCOUNT_OWNER


def test_the_last_active_admin_cannot_be_demoted():
    assert decide_role_change(_change(active_admins=1)) is ErrorCode.LAST_ADMIN


def test_a_deactivated_admin_can_be_demoted_even_if_one_active_admin_is_left():
    assert (
        decide_role_change(_change(target_status=UserStatus.DEACTIVATED, active_admins=1)) is None
    )


@given(
    target_role=st.sampled_from(list(Role)),
    status=st.sampled_from(list(UserStatus)),
    owner=st.booleans(),
    admins=st.integers(min_value=0, max_value=5),
)
def test_promotions_and_no_op_changes_are_always_allowed(target_role, status, owner, admins):
    change = _change(
        target_role=target_role,
        target_status=status,
        target_is_account_owner=owner,
        new_role=Role.ADMIN if target_role is Role.REGULAR else target_role,
        active_admins=admins,
    )
    assert decide_role_change(change) is None
