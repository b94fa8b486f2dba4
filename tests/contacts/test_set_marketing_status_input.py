"""setMarketingStatus: invalid selections and proration dates are user errors; nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from resolvers.ids import encode_global_id
from tests.conftest import TEST_NOW
from tests.contacts.helpers import audit_events, marketing_count, set_status


def _codes(payload):
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


async def _refused(api, factory, sessionmaker, account, **input_):
    payload = await set_status(api, account.owner.token, status="MARKETING", **input_)
    assert payload["updatedCount"] == 0
    assert payload["billingPreview"] is None
    assert await marketing_count(sessionmaker, account.id) == 0
    assert await audit_events(sessionmaker, account.id, "contact.set_marketing_status") == []
    return _codes(payload)


async def test_an_unknown_contact_id_is_not_found_and_nothing_changes(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 2)
    ids = await factory.contact_gids(acme)
    unknown = encode_global_id("Contact", 999_999)

    codes = await _refused(api, factory, sessionmaker, acme, contactIds=[*ids, unknown])

    assert codes == [("NOT_FOUND", ["input", "contactIds", "2"])]


async def test_a_contact_id_of_another_account_is_not_found(api, factory, sessionmaker):
    acme = await factory.account()
    other = await factory.account("Globex")
    await factory.contacts(acme, 1)
    await factory.contacts(other, 1)
    [mine] = await factory.contact_gids(acme)
    [theirs] = await factory.contact_gids(other)

    codes = await _refused(api, factory, sessionmaker, acme, contactIds=[theirs, mine])

    assert codes == [("NOT_FOUND", ["input", "contactIds", "0"])]
    assert await marketing_count(sessionmaker, other.id) == 0


@pytest.mark.parametrize("bad_id", ["not-an-id", encode_global_id("User", 1)])
async def test_an_id_of_the_wrong_type_is_not_found(api, factory, sessionmaker, bad_id):
    acme = await factory.account()
    await factory.contacts(acme, 1)

    codes = await _refused(
        api, factory, sessionmaker, acme, contactIds=[*await factory.contact_gids(acme), bad_id]
    )

    assert codes == [("NOT_FOUND", ["input", "contactIds", "1"])]


async def test_both_ids_and_filter_is_invalid_input(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)

    codes = await _refused(
        api, factory, sessionmaker, acme, contactIds=await factory.contact_gids(acme), filter={}
    )

    assert codes == [("INVALID_INPUT", ["input"])]


async def test_neither_ids_nor_filter_is_invalid_input(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)

    assert await _refused(api, factory, sessionmaker, acme) == [("INVALID_INPUT", ["input"])]


async def test_an_empty_id_list_is_invalid_input(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)

    codes = await _refused(api, factory, sessionmaker, acme, contactIds=[])

    assert codes == [("INVALID_INPUT", ["input", "contactIds"])]


async def test_more_than_ten_thousand_ids_is_invalid_input(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)
    ids = [encode_global_id("Contact", pk) for pk in range(1, 10_002)]

    codes = await _refused(api, factory, sessionmaker, acme, contactIds=ids)

    assert codes == [("INVALID_INPUT", ["input", "contactIds"])]


async def test_an_owner_filter_naming_nobody_is_a_user_error(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)

    codes = await _refused(
        api,
        factory,
        sessionmaker,
        acme,
        filter={"ownerIn": [encode_global_id("User", 999_999)]},
    )

    assert codes == [("NOT_FOUND", ["input", "filter", "ownerIn", "0"])]


async def test_repeated_ids_count_once(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 2)
    [first, _] = await factory.contact_gids(acme)

    payload = await set_status(api, acme.owner.token, contactIds=[first, first], status="MARKETING")

    assert payload["updatedCount"] == 1
    assert payload["usage"]["billedMarketingContacts"] == 1


async def test_a_proration_date_in_the_future_is_invalid_input(api, factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)

    codes = await _refused(
        api,
        factory,
        sessionmaker,
        acme,
        filter={},
        prorationDate=(TEST_NOW + timedelta(minutes=1)).isoformat(),
    )

    assert codes == [("INVALID_INPUT", ["input", "prorationDate"])]


async def test_a_proration_date_before_the_current_period_is_invalid_input(
    api, factory, sessionmaker
):
    acme = await factory.account()
    await factory.contacts(acme, 1)

    codes = await _refused(
        api,
        factory,
        sessionmaker,
        acme,
        filter={},
        prorationDate="2026-02-28T23:59:59+00:00",
    )

    assert codes == [("INVALID_INPUT", ["input", "prorationDate"])]


async def test_a_contact_of_another_account_is_never_touched_by_a_filter(
    api, factory, sessionmaker
):
    acme = await factory.account()
    other = await factory.account("Globex")
    await factory.contacts(acme, 2)
    await factory.contacts(other, 3)

    payload = await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    assert payload["updatedCount"] == 2
    assert await marketing_count(sessionmaker, other.id) == 0
    assert await marketing_count(sessionmaker, acme.id) == 2
