"""contactUsage and Account.contactUsage: counts, tier, percent, next update date, consistent
with each other, with the subscription and with the ledger."""

from __future__ import annotations

from decimal import Decimal

from db.enums import MarketingStatus
from tests.contacts.helpers import ledger, set_status, usage


async def test_usage_reports_counts_tier_percent_and_next_update_date(api, factory):
    acme = await factory.account(tier_limit=2000)
    await factory.contacts(acme, 1250, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 40, name_prefix="Cold")

    result = await usage(api, acme.owner.token)

    assert result == {
        "marketingContacts": 1250,
        "billedMarketingContacts": 1250,
        "tier": {"limit": 2000, "price": {"amount": "90.00", "currencyCode": "EUR"}},
        "percentUsed": 62.5,
        "nextUpdateDate": "2026-04-01T00:00:00+00:00",
    }


async def test_usage_counts_switched_off_contacts_as_billed_but_not_marketing(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 10, status=MarketingStatus.MARKETING)
    await set_status(
        api,
        acme.owner.token,
        contactIds=(await factory.contact_gids(acme))[:4],
        status="NON_MARKETING",
    )

    result = await usage(api, acme.owner.token)

    assert (result["marketingContacts"], result["billedMarketingContacts"]) == (6, 10)
    assert result["percentUsed"] == 1.0


async def test_usage_after_an_upgrade_agrees_with_the_subscription_and_the_ledger(
    api, factory, sessionmaker
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1500)
    await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    data = await api.data(
        "query { contactUsage { billedMarketingContacts percentUsed"
        " tier { limit price { amount } } }"
        " account { subscription { contactTier { limit price { amount } } } } }",
        token=acme.owner.token,
    )

    usage_now = data["contactUsage"]
    assert usage_now["tier"] == data["account"]["subscription"]["contactTier"]
    assert usage_now["tier"] == {"limit": 2000, "price": {"amount": "90.00"}}
    assert usage_now["percentUsed"] == 75.0
    [charge] = await ledger(sessionmaker, acme.id)
    assert charge.description == "Contact tier 1,000 -> 2,000"
    assert charge.unit_price == Decimal("45.00")  # the price difference, prorated below
    assert charge.amount == Decimal("23.95")


async def test_usage_is_scoped_to_the_viewers_account(api, factory):
    acme = await factory.account()
    other = await factory.account("Globex")
    await factory.contacts(other, 7, status=MarketingStatus.MARKETING)

    assert (await usage(api, acme.owner.token))["marketingContacts"] == 0
    assert (await usage(api, other.owner.token))["marketingContacts"] == 7


async def test_any_signed_in_user_sees_usage(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme)

    assert (await usage(api, clerk.token))["billedMarketingContacts"] == 0
