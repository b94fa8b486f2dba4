"""createContact: the status comes from the source (with account overrides) and the permission."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.enums import MarketingStatus
from tests.contacts.helpers import (
    CREATE_CONTACT,
    audit_events,
    ledger,
    marketing_count,
    subscription,
    usage,
)

SET_DEFAULT = """
mutation($input: SetContactSourceDefaultInput!) {
  setContactSourceDefault(input: $input) {
    defaults { source marketingStatus overridden }
    userErrors { field code message }
  }
}
"""


async def _create(api, token, **input_):
    data = await api.data(CREATE_CONTACT, {"input": input_}, token=token)
    return data["createContact"]


@pytest.mark.parametrize("source", ["MANUAL", "API", "INTEGRATION", "CONVERSATION"])
async def test_contacts_from_other_sources_default_to_non_marketing(api, factory, source):
    acme = await factory.account()

    payload = await _create(api, acme.owner.token, name="Ada", source=source)

    assert payload["userErrors"] == []
    assert payload["contact"]["marketingStatus"] == "NON_MARKETING"
    assert payload["contact"]["source"] == source
    assert payload["contact"]["owner"]["id"] == acme.owner.gid


@pytest.mark.parametrize("source", ["IMPORT", "FORM"])
async def test_import_and_form_without_a_status_are_invalid_input(
    api, factory, sessionmaker, source
):
    acme = await factory.account()

    payload = await _create(api, acme.owner.token, name="Ada", source=source)

    assert payload["contact"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_INPUT", ["input", "marketingStatus"])
    ]
    assert (await usage(api, acme.owner.token))["marketingContacts"] == 0


@pytest.mark.parametrize("status", ["MARKETING", "NON_MARKETING"])
async def test_an_import_takes_the_status_it_specifies(api, factory, status):
    acme = await factory.account()

    payload = await _create(
        api,
        acme.owner.token,
        name="Ada",
        email="ada@example.com",
        source="IMPORT",
        marketingStatus=status,
    )

    assert payload["contact"]["marketingStatus"] == status
    assert payload["contact"]["email"] == "ada@example.com"


async def test_a_marketing_contact_counts_at_once(api, factory):
    acme = await factory.account()

    await _create(api, acme.owner.token, name="Ada", source="FORM", marketingStatus="MARKETING")

    after = await usage(api, acme.owner.token)
    assert after["marketingContacts"] == after["billedMarketingContacts"] == 1


async def test_creating_a_marketing_contact_without_the_permission_is_forbidden(
    api, factory, sessionmaker
):
    acme = await factory.account()
    clerk = await factory.user(acme, can_set_marketing_status=False)

    payload = await _create(
        api, clerk.token, name="Ada", source="FORM", marketingStatus="MARKETING"
    )

    assert payload["contact"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FORBIDDEN", ["input", "marketingStatus"])
    ]
    assert await marketing_count(sessionmaker, acme.id) == 0
    assert await audit_events(sessionmaker, acme.id, "contact.create") == []


async def test_a_user_without_the_permission_may_create_non_marketing_contacts(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme, can_set_marketing_status=False)

    payload = await _create(api, clerk.token, name="Ada", source="MANUAL")

    assert payload["contact"]["marketingStatus"] == "NON_MARKETING"


async def test_the_account_default_applies_when_no_status_is_given(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme, can_set_marketing_status=False)
    await api.data(
        SET_DEFAULT,
        {"input": {"source": "API", "marketingStatus": "MARKETING"}},
        token=acme.owner.token,
    )

    made = await _create(api, acme.owner.token, name="Ada", source="API")
    explicit = await _create(
        api, acme.owner.token, name="Bob", source="API", marketingStatus="NON_MARKETING"
    )
    refused = await _create(api, clerk.token, name="Cy", source="API")

    assert made["contact"]["marketingStatus"] == "MARKETING"
    assert explicit["contact"]["marketingStatus"] == "NON_MARKETING"
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]


async def test_a_marketing_contact_beyond_the_tier_moves_the_tier_and_charges(
    api, factory, sessionmaker
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000, status=MarketingStatus.MARKETING)

    await _create(api, acme.owner.token, name="Ada", source="FORM", marketingStatus="MARKETING")

    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 2000
    assert [row.amount for row in await ledger(sessionmaker, acme.id)] == [Decimal("23.95")]
    [event] = await audit_events(sessionmaker, acme.id, "contact.create")
    assert event["tier_before"] == 1000
    assert event["tier_after"] == 2000
    assert event["charge_amount"] == "23.95"
    assert event["ledger_operation_id"] is not None


async def test_creating_a_contact_is_audited(api, factory, sessionmaker):
    acme = await factory.account()

    payload = await _create(api, acme.owner.token, name="Ada", source="MANUAL")

    [event] = await audit_events(sessionmaker, acme.id, "contact.create")
    assert event["_target"] == payload["contact"]["id"]
    assert event["marketing_status"] == "NON_MARKETING"
    assert event["source"] == "MANUAL"


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [("   ", None, "name"), ("x" * 201, None, "name"), ("Ada", "not-an-email", "email")],
)
async def test_a_blank_name_or_a_bad_email_is_invalid_input(api, factory, name, email, field):
    acme = await factory.account()

    payload = await _create(api, acme.owner.token, name=name, email=email, source="MANUAL")

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_INPUT", ["input", field])
    ]
