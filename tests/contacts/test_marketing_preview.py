"""dryRun and billingPreview agree exactly with what setMarketingStatus then does."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from db.enums import MarketingStatus
from schema import build_schema
from tests.conftest import TEST_NOW
from tests.contacts.helpers import (
    PREVIEW_FIELDS,
    fresh_token,
    ledger,
    marketing_count,
    set_status,
    subscription,
)

BILLING_PREVIEW = f"""
query($input: SetMarketingStatusInput!) {{
  billingPreview(change: {{setMarketingStatus: $input}}) {{ {PREVIEW_FIELDS} }}
}}
"""


def _has_billing_preview_query() -> bool:
    query_type = build_schema()._schema.query_type
    return query_type is not None and "billingPreview" in query_type.fields


async def test_a_dry_run_returns_the_preview_and_changes_nothing(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1200)

    payload = await set_status(api, acme.owner.token, filter={}, status="MARKETING", dryRun=True)

    assert payload["userErrors"] == []
    assert payload["updatedCount"] == 1200
    assert payload["billingPreview"]["contactTierAfter"]["limit"] == 2000
    assert payload["billingPreview"]["immediateCharge"]["amount"] == "23.95"
    assert payload["usage"]["marketingContacts"] == 0
    assert await marketing_count(sessionmaker, acme.id) == 0
    assert await ledger(sessionmaker, acme.id) == []
    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 1000


async def test_the_mutation_given_the_preview_proration_date_charges_exactly_the_preview(
    api, factory, sessionmaker, clock
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 2600)
    preview = (await set_status(api, acme.owner.token, filter={}, status="MARKETING", dryRun=True))[
        "billingPreview"
    ]

    clock.advance(timedelta(hours=7, seconds=13))  # the admin thinks it over
    payload = await set_status(
        api,
        acme.owner.token,
        filter={},
        status="MARKETING",
        prorationDate=preview["prorationDate"],
    )

    assert payload["billingPreview"] == preview
    [charge] = await ledger(sessionmaker, acme.id)
    assert charge.amount == Decimal(preview["immediateCharge"]["amount"]) == Decimal("82.50")
    assert charge.effective_at == TEST_NOW + timedelta(days=1)
    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 5000
    assert payload["usage"]["tier"]["limit"] == preview["contactTierAfter"]["limit"]


async def test_without_a_proration_date_the_mutation_prorates_for_now(
    api, factory, sessionmaker, clock
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1001)
    clock.advance(timedelta(days=5, hours=12))  # 11 days left of 31

    token = await fresh_token(api, acme.owner.email)
    payload = await set_status(api, token, filter={}, status="MARKETING")

    # 45.00 x 11 / 31 = 15.967... -> 15.97
    assert payload["billingPreview"]["immediateCharge"]["amount"] == "15.97"
    assert [row.amount for row in await ledger(sessionmaker, acme.id)] == [Decimal("15.97")]


async def test_a_dry_run_reports_the_same_user_errors_as_the_mutation(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme, can_set_marketing_status=False)
    await factory.contacts(acme, 1)

    payload = await set_status(api, clerk.token, filter={}, status="MARKETING", dryRun=True)

    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    assert payload["billingPreview"] is None


@pytest.mark.skipif(not _has_billing_preview_query(), reason="billingPreview not served yet")
async def test_billing_preview_agrees_with_the_mutation(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1500, status=MarketingStatus.NON_MARKETING)
    change = {"filter": {}, "status": "MARKETING"}

    preview = (await api.data(BILLING_PREVIEW, {"input": change}, token=acme.owner.token))[
        "billingPreview"
    ]
    payload = await set_status(
        api, acme.owner.token, **change, prorationDate=preview["prorationDate"]
    )

    assert payload["billingPreview"] == preview
    [charge] = await ledger(sessionmaker, acme.id)
    assert charge.amount == Decimal(preview["immediateCharge"]["amount"])


@pytest.mark.skipif(not _has_billing_preview_query(), reason="billingPreview not served yet")
async def test_billing_preview_refuses_a_future_proration_date(api, factory):
    acme = await factory.account()
    change = {
        "filter": {},
        "status": "MARKETING",
        "prorationDate": (TEST_NOW + timedelta(hours=1)).isoformat(),
    }

    codes = await api.error_codes(BILLING_PREVIEW, {"input": change}, token=acme.owner.token)

    assert codes == ["INVALID_INPUT"]
