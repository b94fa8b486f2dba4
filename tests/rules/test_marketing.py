"""Rules of resolvers.rules.marketing: default status by source, the permission, role changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.enums import ContactSource, MarketingStatus, Role, UserStatus
from resolvers.errors import ErrorCode
from resolvers.rules.marketing import (
    BUILT_IN_DEFAULTS,
    RoleChange,
    decide_role_change,
    initial_status,
    may_set_status,
    source_defaults,
)

MARKETING = MarketingStatus.MARKETING
NON_MARKETING = MarketingStatus.NON_MARKETING
DEFAULTING_SOURCES = [
    ContactSource.MANUAL,
    ContactSource.API,
    ContactSource.INTEGRATION,
    ContactSource.CONVERSATION,
]
SPECIFYING_SOURCES = [ContactSource.FORM, ContactSource.IMPORT]


@pytest.mark.parametrize("source", DEFAULTING_SOURCES)
def test_manual_api_integration_and_conversation_default_to_non_marketing(source):
    assert initial_status(source, None, {}) is NON_MARKETING


@pytest.mark.parametrize("source", SPECIFYING_SOURCES)
def test_form_and_import_have_no_default(source):
    assert initial_status(source, None, {}) is None


@pytest.mark.parametrize("source", SPECIFYING_SOURCES)
def test_form_and_import_ignore_any_override(source):
    assert initial_status(source, None, {source: MARKETING}) is None


@pytest.mark.parametrize("source", DEFAULTING_SOURCES)
def test_an_account_override_replaces_the_built_in_default(source):
    assert initial_status(source, None, {source: MARKETING}) is MARKETING


@given(
    source=st.sampled_from(list(ContactSource)),
    specified=st.sampled_from(list(MarketingStatus)),
    override=st.sampled_from([None, *MarketingStatus]),
)
def test_an_explicit_status_always_wins(source, specified, override):
    overrides = {} if override is None else {source: override}
    assert initial_status(source, specified, overrides) is specified


def test_every_source_has_a_built_in_default_entry():
    assert set(BUILT_IN_DEFAULTS) == set(ContactSource)


def test_source_defaults_mark_only_real_overrides():
    entries = {
        e.source: e
        for e in source_defaults(
            {
                ContactSource.API: MARKETING,
                ContactSource.MANUAL: NON_MARKETING,  # same as built in
                ContactSource.FORM: MARKETING,  # cannot be overridden
            }
        )
    }
    assert list(ContactSource) == list(entries)
    assert (entries[ContactSource.API].marketing_status, entries[ContactSource.API].overridden) == (
        MARKETING,
        True,
    )
    assert entries[ContactSource.MANUAL].overridden is False
    assert entries[ContactSource.FORM].marketing_status is None
    assert entries[ContactSource.FORM].overridden is False


def test_making_a_contact_marketing_needs_the_permission():
    assert may_set_status(MARKETING, can_set_marketing_status=True) is True
    assert may_set_status(MARKETING, can_set_marketing_status=False) is False


@pytest.mark.parametrize("permission", [True, False])
def test_anyone_may_take_a_contact_out_of_marketing(permission):
    assert may_set_status(NON_MARKETING, can_set_marketing_status=permission) is True


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
