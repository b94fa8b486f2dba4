"""Admins are notified at 90 % and 100 % of the tier, once per threshold per period."""

from __future__ import annotations

from datetime import UTC, datetime

from db.enums import MarketingStatus
from tests.contacts.helpers import CREATE_CONTACT, fresh_token, notifications, set_status

NOTIFICATIONS = """
query($first: Int, $after: String) {
  notifications(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind threshold message createdAt } }
  }
}
"""


async def test_reaching_ninety_percent_notifies_the_admins(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 899, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 1, name_prefix="Cold")

    await set_status(api, acme.owner.token, filter={"search": "cold"}, status="MARKETING")

    data = await api.data(NOTIFICATIONS, token=acme.owner.token)
    [node] = [edge["node"] for edge in data["notifications"]["edges"]]
    assert node["kind"] == "CONTACT_TIER_USAGE"
    assert node["threshold"] == 90
    assert "900 of 1,000" in node["message"]
    assert node["createdAt"] == "2026-03-15T12:00:00+00:00"


async def test_one_change_crossing_both_thresholds_notifies_twice(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000)

    await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    assert [n.threshold for n in await notifications(sessionmaker, acme.id)] == [90, 100]


async def test_thresholds_are_judged_against_the_tier_after_the_change(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 950, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 60, name_prefix="Cold")

    first = await set_status(api, acme.owner.token, filter={"search": "cold"}, status="MARKETING")

    assert first["usage"]["tier"]["limit"] == 2000  # 1 010 of 2 000: neither threshold reached
    assert await notifications(sessionmaker, acme.id) == []


async def test_each_threshold_is_notified_once_per_period(api, factory, sessionmaker, clock):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000)
    await factory.contacts(acme, 900, name_prefix="Warm")
    await factory.contacts(acme, 100, name_prefix="Late")
    await set_status(api, acme.owner.token, filter={"search": "contact"}, status="MARKETING")

    # 1 900 of the new 2 000 tier crosses 90 % again: already notified this period.
    moved = await set_status(api, acme.owner.token, filter={"search": "warm"}, status="MARKETING")
    assert moved["usage"]["tier"]["limit"] == 2000
    rows = await notifications(sessionmaker, acme.id)
    assert [(n.threshold, n.period_start.month) for n in rows] == [(90, 3), (100, 3)]

    clock.set(datetime(2026, 4, 2, tzinfo=UTC))  # a new period: 100 % may be notified again
    token = await fresh_token(api, acme.owner.email)
    await set_status(api, token, filter={"search": "late"}, status="MARKETING")
    rows = await notifications(sessionmaker, acme.id)
    assert sorted((n.threshold, n.period_start.month) for n in rows) == [
        (90, 3),
        (100, 3),
        (100, 4),
    ]


async def test_creating_a_marketing_contact_can_reach_a_threshold(api, factory, sessionmaker):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 999, status=MarketingStatus.MARKETING)

    await api.data(
        CREATE_CONTACT,
        {"input": {"name": "Ada", "source": "FORM", "marketingStatus": "MARKETING"}},
        token=acme.owner.token,
    )

    assert [n.threshold for n in await notifications(sessionmaker, acme.id)] == [100]


async def test_notifications_are_paged_newest_first(api, factory):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000)
    await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    page = (await api.data(NOTIFICATIONS, {"first": 1}, token=acme.owner.token))["notifications"]
    assert page["totalCount"] == 2
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (
        await api.data(
            NOTIFICATIONS,
            {"first": 5, "after": page["pageInfo"]["endCursor"]},
            token=acme.owner.token,
        )
    )["notifications"]
    thresholds = [e["node"]["threshold"] for e in page["edges"] + rest["edges"]]
    assert thresholds == [100, 90]


async def test_only_admins_can_read_notifications(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme)

    assert await api.error_codes(NOTIFICATIONS, token=clerk.token) == ["FORBIDDEN"]


async def test_notifications_of_another_account_are_not_visible(api, factory):
    acme = await factory.account(tier_limit=1000)
    other = await factory.account("Globex")
    await factory.contacts(acme, 1000)
    await set_status(api, acme.owner.token, filter={}, status="MARKETING")

    data = await api.data(NOTIFICATIONS, token=other.owner.token)

    assert data["notifications"]["totalCount"] == 0
