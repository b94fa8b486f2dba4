"""Issue 17: preventing contact tier upgrades, and marketing contacts depending on the plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from db.enums import MarketingStatus
from tests.contacts.helpers import (
    PREVIEW_FIELDS,
    audit_events,
    ledger,
    marketing_count,
    notifications,
    set_status,
    subscription,
)

LADDER = ((10, Decimal("45.00")), (20, Decimal("90.00")))

SET_PLAN = """
mutation($input: SetContactPlanSettingsInput!) {
  setContactPlanSettings(input: $input) {
    settings { preventTierUpgrades marketingContactsIncluded }
    userErrors { field code message }
  }
}
"""

CREATE = """
mutation($input: CreateContactInput!) {
  createContact(input: $input) {
    contact { marketingStatus }
    madeNonMarketing { field code message }
    userErrors { field code message }
  }
}
"""

PREVIEW = f"""
query($input: SetMarketingStatusInput!) {{
  billingPreview(change: {{setMarketingStatus: $input}}) {{ {PREVIEW_FIELDS} }}
}}
"""

PLAN_VIEW = """
{ account { subscription { preventTierUpgrades marketingContactsIncluded contactTier { limit } } }
  contactUsage { marketingContactsEnabled billedMarketingContacts } }
"""


async def set_plan(api: Any, token: str | None, **settings: Any) -> dict[str, Any]:
    data = await api.data(SET_PLAN, {"input": settings}, token=token)
    payload: dict[str, Any] = data["setContactPlanSettings"]
    return payload


async def contact_ids(api: Any, token: str | None, count: int) -> list[str]:
    data = await api.data(
        "{ contacts(first: 100, filter: {marketingStatus: NON_MARKETING})"
        " { edges { node { id } } } }",
        token=token,
    )
    return [edge["node"]["id"] for edge in data["contacts"]["edges"]][:count]


async def account_with_room_for_two(factory):
    """Tier of 10 with 8 billed marketing contacts and 5 non-marketing ones."""
    acme = await factory.account(tier_limit=10, ladder=LADDER)
    await factory.contacts(acme, 8, status=MarketingStatus.MARKETING, name_prefix="M")
    await factory.contacts(acme, 5, name_prefix="N")
    return acme


async def test_prevented_upgrade_refuses_a_bulk_switch_and_changes_nothing(
    api, factory, sessionmaker
):
    acme = await account_with_room_for_two(factory)
    token = acme.owner.token
    payload = await set_plan(api, token, preventTierUpgrades=True)
    assert payload["settings"]["preventTierUpgrades"] is True
    ids = await contact_ids(api, token, 5)
    change = {"contactIds": ids, "status": "MARKETING"}

    dry = await set_status(api, token, **change, dryRun=True)
    refused = await set_status(api, token, **change)
    preview_codes = await api.error_codes(PREVIEW, {"input": change}, token=token)

    [error] = refused["userErrors"]
    assert error["code"] == "TIER_LIMIT_REACHED"
    assert "only 2 more marketing contacts fit" in error["message"]
    assert refused["updatedCount"] == 0
    assert dry["userErrors"] == refused["userErrors"]  # the preview shows the same outcome
    assert preview_codes == ["TIER_LIMIT_REACHED"]
    assert await marketing_count(sessionmaker, acme.id) == 8
    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 10
    assert await ledger(sessionmaker, acme.id) == []
    assert await notifications(sessionmaker, acme.id) == []
    assert await audit_events(sessionmaker, acme.id, "contact.set_marketing_status") == []


async def test_prevented_upgrade_fills_the_tier_notifies_then_creates_non_marketing(
    api, factory, sessionmaker
):
    acme = await account_with_room_for_two(factory)
    token = acme.owner.token
    await set_plan(api, token, preventTierUpgrades=True)
    ids = await contact_ids(api, token, 2)

    fits = await set_status(api, token, contactIds=ids, status="MARKETING")
    created = await api.data(
        CREATE,
        {"input": {"name": "Late", "source": "FORM", "marketingStatus": "MARKETING"}},
        token=token,
    )

    assert fits["userErrors"] == []
    assert fits["updatedCount"] == 2
    assert fits["usage"]["tier"]["limit"] == 10
    assert [n.threshold for n in await notifications(sessionmaker, acme.id)] == [90, 100]
    payload = created["createContact"]
    assert payload["userErrors"] == []
    assert payload["contact"]["marketingStatus"] == "NON_MARKETING"
    assert payload["madeNonMarketing"]["code"] == "TIER_LIMIT_REACHED"
    assert await marketing_count(sessionmaker, acme.id) == 10
    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 10
    view = await api.data(PLAN_VIEW, token=token)
    assert view["account"]["subscription"]["preventTierUpgrades"] is True
    assert view["account"]["subscription"]["contactTier"] == {"limit": 10}


async def test_without_prevention_the_same_switch_moves_the_tier(api, factory, sessionmaker):
    acme = await account_with_room_for_two(factory)
    ids = await contact_ids(api, acme.owner.token, 5)

    payload = await set_status(api, acme.owner.token, contactIds=ids, status="MARKETING")

    assert payload["userErrors"] == []
    assert payload["usage"]["tier"]["limit"] == 20
    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 20


async def test_a_plan_without_marketing_contacts_refuses_marketing(api, factory, sessionmaker):
    acme = await account_with_room_for_two(factory)
    token = acme.owner.token
    await set_plan(api, token, marketingContactsIncluded=False)
    await api.data(
        "mutation { setContactSourceDefault(input: {source: API, marketingStatus: MARKETING})"
        " { userErrors { code } } }",
        token=token,
    )
    ids = await contact_ids(api, token, 1)

    refused = await set_status(api, token, contactIds=ids, status="MARKETING")
    explicit = await api.data(
        CREATE,
        {"input": {"name": "X", "source": "MANUAL", "marketingStatus": "MARKETING"}},
        token=token,
    )
    by_default = await api.data(CREATE, {"input": {"name": "Y", "source": "API"}}, token=token)
    view = await api.data(PLAN_VIEW, token=token)

    assert [e["code"] for e in refused["userErrors"]] == ["MARKETING_NOT_IN_PLAN"]
    assert [e["code"] for e in explicit["createContact"]["userErrors"]] == ["MARKETING_NOT_IN_PLAN"]
    assert by_default["createContact"]["contact"]["marketingStatus"] == "NON_MARKETING"
    assert by_default["createContact"]["madeNonMarketing"]["code"] == "MARKETING_NOT_IN_PLAN"
    assert await marketing_count(sessionmaker, acme.id) == 8
    assert view["contactUsage"]["marketingContactsEnabled"] is False
    assert view["account"]["subscription"]["marketingContactsIncluded"] is False
    # Leaving marketing is still allowed.
    marketing = await api.data(
        "{ contacts(first: 1, filter: {marketingStatus: MARKETING}) { edges { node { id } } } }",
        token=token,
    )
    [contact] = [edge["node"] for edge in marketing["contacts"]["edges"]]
    left = await set_status(api, token, contactIds=[contact["id"]], status="NON_MARKETING")
    assert left["userErrors"] == []


async def test_only_admins_change_the_plan_settings_and_it_is_audited(api, factory, sessionmaker):
    acme = await factory.account()
    seller = await factory.user(acme)

    refused = await set_plan(api, seller.token, preventTierUpgrades=True)
    done = await set_plan(api, acme.owner.token, preventTierUpgrades=True)

    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    assert refused["settings"] is None
    assert done["settings"] == {"preventTierUpgrades": True, "marketingContactsIncluded": True}
    [event] = await audit_events(sessionmaker, acme.id, "contact_plan.set")
    assert event["prevent_tier_upgrades"] == [False, True]
