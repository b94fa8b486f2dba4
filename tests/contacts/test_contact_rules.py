"""Rules of resolvers.rules.contacts: default status by source, the marketing permission."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.enums import ContactSource, MarketingStatus
from resolvers.rules.contacts import (
    BUILT_IN_DEFAULTS,
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
