"""setMarketingStatus: counting, tier moves with prorated charges, the billed-until rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from db.enums import LedgerEntryKind, MarketingStatus
from tests.conftest import TEST_NOW
from tests.contacts.helpers import (
    audit_events,
    fresh_token,
    ledger,
    marketing_count,
    set_status,
    subscription,
    usage,
)

PERIOD_END = "2026-04-01T00:00:00+00:00"
CONTACTS = """
query($filter: ContactFilter) {
  contacts(first: 100, filter: $filter) {
    edges { node { id marketingStatus billedAsMarketingUntil } }
  }
}
"""


async def test_switching_contacts_to_marketing_counts_them_at_once(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 10)
    ids = (await factory.contact_gids(acme))[:3]

    payload = await set_status(api, acme.owner.token, contactIds=ids, status="MARKETING")

    assert payload["userErrors"] == []
    assert payload["updatedCount"] == 3
    assert payload["usage"]["marketingContacts"] == 3
    assert payload["usage"]["billedMarketingContacts"] == 3
    assert payload["usage"]["percentUsed"] == 0.3
    assert payload["billingPreview"]["immediateCharge"]["amount"] == "0.00"


async def test_contacts_already_in_the_status_are_not_counted_as_updated(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 2, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 3, name_prefix="Cold")

    payload = await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    assert payload["updatedCount"] == 3
    assert payload["usage"]["marketingContacts"] == 5


async def test_exceeding_the_tier_moves_to_the_next_tier_with_a_prorated_charge_posted_next_day(
    api, factory, sessionmaker
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 5, name_prefix="Cold")

    payload = await set_status(
        api, acme.owner.token, filter={"marketingStatus": "NON_MARKETING"}, status="MARKETING"
    )

    assert payload["userErrors"] == []
    preview = payload["billingPreview"]
    assert preview["contactTierBefore"]["limit"] == 1000
    assert preview["contactTierAfter"] == {"limit": 2000, "price": {"amount": "90.00"}}
    # (90.00 - 45.00) x 16.5 days left / 31 days = 23.9516... -> 23.95
    assert preview["immediateCharge"] == {"amount": "23.95", "currencyCode": "EUR"}
    assert preview["nextInvoiceBefore"]["amount"] == "74.00"  # 1 seat x 29 + tier 45
    assert preview["nextInvoiceAfter"]["amount"] == "119.00"  # 1 seat x 29 + tier 90
    assert payload["usage"]["tier"]["limit"] == 2000
    assert payload["usage"]["billedMarketingContacts"] == 1005
    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 2000
    [charge] = await ledger(sessionmaker, acme.id)
    assert charge.kind is LedgerEntryKind.CHARGE
    assert charge.amount == Decimal("23.95")
    assert charge.prorated is True
    assert charge.effective_at == TEST_NOW + timedelta(days=1)
    assert charge.period_end == datetime(2026, 4, 1, tzinfo=UTC)
    [event] = await audit_events(sessionmaker, acme.id, "contact.set_marketing_status")
    assert event["count"] == 5
    assert event["tier_before"] == 1000
    assert event["tier_after"] == 2000
    assert event["charge_amount"] == "23.95"
    assert event["ledger_operation_id"] == charge.operation_id


async def test_a_big_jump_moves_to_the_smallest_tier_that_fits(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 3490)

    payload = await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    assert payload["billingPreview"]["contactTierAfter"]["limit"] == 5000
    # (200.00 - 45.00) x 16.5 / 31 = 82.50
    assert payload["billingPreview"]["immediateCharge"]["amount"] == "82.50"
    assert [row.amount for row in await ledger(sessionmaker, acme.id)] == [Decimal("82.50")]


async def test_filling_the_tier_exactly_does_not_move_it(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000)

    payload = await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    assert payload["usage"]["tier"]["limit"] == 1000
    assert payload["usage"]["percentUsed"] == 100.0
    assert await ledger(sessionmaker, acme.id) == []


async def test_leaving_marketing_keeps_the_contact_billed_until_the_next_update_date(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 4, status=MarketingStatus.MARKETING)
    ids = (await factory.contact_gids(acme))[:2]

    payload = await set_status(api, acme.owner.token, contactIds=ids, status="NON_MARKETING")

    assert payload["updatedCount"] == 2
    assert payload["usage"]["marketingContacts"] == 2
    assert payload["usage"]["billedMarketingContacts"] == 4
    assert payload["usage"]["nextUpdateDate"] == PERIOD_END
    data = await api.data(
        CONTACTS, {"filter": {"marketingStatus": "NON_MARKETING"}}, token=acme.owner.token
    )
    nodes = [edge["node"] for edge in data["contacts"]["edges"]]
    assert {node["id"] for node in nodes} == set(ids)
    assert {node["billedAsMarketingUntil"] for node in nodes} == {PERIOD_END}


async def test_a_contact_switched_off_stops_counting_once_the_update_date_passes(
    api, factory, clock
):
    acme = await factory.account()
    await factory.contacts(acme, 4, status=MarketingStatus.MARKETING)
    await set_status(
        api,
        acme.owner.token,
        contactIds=(await factory.contact_gids(acme))[:1],
        status="NON_MARKETING",
    )

    clock.set(datetime(2026, 4, 1, 0, 0, 1, tzinfo=UTC))

    after = await usage(api, await fresh_token(api, acme.owner.email))
    assert after["marketingContacts"] == 3
    assert after["billedMarketingContacts"] == 3


async def test_switching_back_before_the_update_date_does_not_double_count(
    api, factory, sessionmaker
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000, status=MarketingStatus.MARKETING)
    one = (await factory.contact_gids(acme))[:1]

    await set_status(api, acme.owner.token, contactIds=one, status="NON_MARKETING")
    payload = await set_status(api, acme.owner.token, contactIds=one, status="MARKETING")

    assert payload["updatedCount"] == 1
    assert payload["usage"]["billedMarketingContacts"] == 1000
    assert payload["usage"]["tier"]["limit"] == 1000
    assert payload["billingPreview"]["contactTierAfter"]["limit"] == 1000
    assert await ledger(sessionmaker, acme.id) == []
    data = await api.data(CONTACTS, {"filter": {"search": "contact 0"}}, token=acme.owner.token)
    [node] = [e["node"] for e in data["contacts"]["edges"] if e["node"]["id"] == one[0]]
    assert node == {"id": one[0], "marketingStatus": "MARKETING", "billedAsMarketingUntil": None}


async def test_switching_a_still_billed_contact_back_while_over_capacity_counts_it_once(
    api, factory, sessionmaker
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 1, name_prefix="Cold")
    first = (await factory.contact_gids(acme))[:1]
    await set_status(api, acme.owner.token, contactIds=first, status="NON_MARKETING")

    # The switched-off contact is still billed, so 1 000 are billed; one more makes 1 001.
    payload = await set_status(api, acme.owner.token, filter={"search": "cold"}, status="MARKETING")
    assert payload["usage"]["billedMarketingContacts"] == 1001
    assert payload["usage"]["tier"]["limit"] == 2000

    again = await set_status(api, acme.owner.token, contactIds=first, status="MARKETING")
    assert again["usage"]["billedMarketingContacts"] == 1001
    assert len(await ledger(sessionmaker, acme.id)) == 1


async def test_the_tier_never_moves_down_by_itself(api, factory, sessionmaker, clock):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1500)
    await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    payload = await set_status(api, acme.owner.token, filter={}, status="NON_MARKETING")
    assert payload["usage"]["marketingContacts"] == 0
    assert payload["usage"]["tier"]["limit"] == 2000

    clock.set(datetime(2026, 4, 2, tzinfo=UTC))
    token = await fresh_token(api, acme.owner.email)
    later = await set_status(api, token, filter={}, status="NON_MARKETING")
    assert later["usage"]["billedMarketingContacts"] == 0
    assert later["usage"]["tier"]["limit"] == 2000
    assert (await subscription(sessionmaker, acme.id)).contact_tier_limit == 2000


async def test_switching_to_marketing_needs_the_permission_and_changes_nothing_without_it(
    api, factory, sessionmaker
):
    acme = await factory.account()
    clerk = await factory.user(acme, can_set_marketing_status=False)
    await factory.contacts(acme, 3)

    payload = await set_status(api, clerk.token, filter={}, status="MARKETING")

    assert payload["updatedCount"] == 0
    assert payload["usage"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FORBIDDEN", ["input", "status"])
    ]
    assert await marketing_count(sessionmaker, acme.id) == 0
    assert await audit_events(sessionmaker, acme.id, "contact.set_marketing_status") == []


async def test_any_active_user_may_take_contacts_out_of_marketing(api, factory, sessionmaker):
    acme = await factory.account()
    clerk = await factory.user(acme, can_set_marketing_status=False)
    await factory.contacts(acme, 3, status=MarketingStatus.MARKETING)

    payload = await set_status(api, clerk.token, filter={}, status="NON_MARKETING")

    assert payload["userErrors"] == []
    assert payload["updatedCount"] == 3
    assert await marketing_count(sessionmaker, acme.id) == 0


async def test_the_change_is_audited_in_the_same_transaction(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 2)

    await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    [event] = await audit_events(sessionmaker, acme.id, "contact.set_marketing_status")
    assert event["count"] == 2
    assert event["status"] == "MARKETING"
    assert event["selected_by"] == "filter"
    assert event["tier_before"] == event["tier_after"] == 1000
    assert event["charge_amount"] == "0.00"
    assert event["ledger_operation_id"] is None
    assert event["_target"] == acme.gid


async def test_a_change_that_changes_nothing_writes_no_audit_event(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 2)

    payload = await set_status(api, acme.owner.token, filter={}, status="NON_MARKETING")

    assert payload["updatedCount"] == 0
    assert await audit_events(sessionmaker, acme.id, "contact.set_marketing_status") == []


async def test_a_filter_selects_the_same_contacts_as_the_contacts_list(api, factory):
    acme = await factory.account()
    rep = await factory.user(acme)
    await factory.contacts(acme, 3, owner=rep, name_prefix="Rep")
    await factory.contacts(acme, 4, name_prefix="Other")

    payload = await set_status(
        api, acme.owner.token, filter={"ownerIn": [rep.gid]}, status="MARKETING"
    )

    assert payload["updatedCount"] == 3
    data = await api.data(
        CONTACTS, {"filter": {"marketingStatus": "MARKETING"}}, token=acme.owner.token
    )
    assert len(data["contacts"]["edges"]) == 3
