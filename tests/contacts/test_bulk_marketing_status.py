"""Bulk status changes are set-based: the statement count does not grow with the contacts."""

from __future__ import annotations

from decimal import Decimal

from db.enums import MarketingStatus
from tests.contacts.helpers import CONTACT_USAGE, marketing_count, set_status


async def _statements_for(api, factory, statements, count, **input_):
    # A tier big enough that neither size moves it: only the size of the selection differs.
    account = await factory.account(
        f"Bulk {count}", tier_limit=100_000, ladder=((100_000, Decimal("900.00")),)
    )
    await factory.contacts(account, count)
    if "contactIds" in input_:
        input_["contactIds"] = await factory.contact_gids(account)
    statements.reset()
    payload = await set_status(api, account.owner.token, status="MARKETING", **input_)
    assert payload["userErrors"] == []
    assert payload["updatedCount"] == count
    return statements.count


async def test_switching_by_filter_runs_a_constant_number_of_statements(api, factory, statements):
    few = await _statements_for(api, factory, statements, 10, filter={})
    many = await _statements_for(api, factory, statements, 3000, filter={})

    assert few == many


async def test_switching_by_ids_runs_a_constant_number_of_statements(api, factory, statements):
    few = await _statements_for(api, factory, statements, 10, contactIds=[])
    many = await _statements_for(api, factory, statements, 10_000, contactIds=[])

    assert few == many


async def test_twenty_thousand_contacts_switch_in_one_set_based_update(
    api, factory, statements, sessionmaker
):
    acme = await factory.account(tier_limit=10_000)
    await factory.contacts(acme, 20_000)

    statements.reset()
    payload = await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    assert payload["updatedCount"] == 20_000
    assert await marketing_count(sessionmaker, acme.id) == 20_000
    updates = [s for s in statements.statements if s.lstrip().upper().startswith("UPDATE CONTACTS")]
    assert len(updates) == 1
    assert statements.count < 25

    statements.reset()
    back = await set_status(api, acme.owner.token, filter={}, status="NON_MARKETING")
    assert back["updatedCount"] == 20_000
    assert back["usage"]["billedMarketingContacts"] == 20_000
    assert statements.count < 25


async def test_usage_is_counted_by_an_aggregate_never_by_loading_contacts(api, factory, statements):
    small = await factory.account("Small")
    big = await factory.account("Big")
    await factory.contacts(small, 3, status=MarketingStatus.MARKETING)
    await factory.contacts(big, 3000, status=MarketingStatus.MARKETING)

    statements.reset()
    await api.data(CONTACT_USAGE, token=small.owner.token)
    few = statements.count
    statements.reset()
    await api.data(CONTACT_USAGE, token=big.owner.token)

    assert statements.count == few
    assert not any("FROM contacts" in s and "count" not in s.lower() for s in statements.statements)
