"""contactUsageHistory: one point per day, gaps filled from the last figure (issue 17)."""

from __future__ import annotations

from datetime import date, timedelta

from db.enums import MarketingStatus
from resolvers.rules.contacts import UsagePoint, fill_daily
from tests.contacts.helpers import fresh_token, set_status

HISTORY = """
query($from: Date!, $to: Date!) {
  contactUsageHistory(from: $from, to: $to) { date marketingContacts billedMarketingContacts }
}
"""


def test_fill_daily_repeats_the_last_figure_and_skips_unknown_days():
    known = [UsagePoint(date(2026, 3, 3), 5, 6)]
    before = UsagePoint(date(2026, 2, 1), 1, 1)

    assert fill_daily(known, date(2026, 3, 2), date(2026, 3, 4), before) == [
        UsagePoint(date(2026, 3, 2), 1, 1),
        UsagePoint(date(2026, 3, 3), 5, 6),
        UsagePoint(date(2026, 3, 4), 5, 6),
    ]
    assert fill_daily(known, date(2026, 3, 2), date(2026, 3, 3), None) == [
        UsagePoint(date(2026, 3, 3), 5, 6)
    ]


async def contact_ids(api, token) -> list[str]:
    data = await api.data("{ contacts(first: 10) { edges { node { id } } } }", token=token)
    return [edge["node"]["id"] for edge in data["contacts"]["edges"]]


async def test_history_has_one_point_per_day_across_a_gap(api, factory, clock):
    acme = await factory.account()
    await factory.contacts(acme, 3)
    token = acme.owner.token
    first, second, _ = await contact_ids(api, token)
    await set_status(api, token, contactIds=[first, second], status="MARKETING")  # 03-15
    clock.advance(timedelta(days=3))
    token = await fresh_token(api, acme.owner.email)
    await set_status(api, token, contactIds=[second], status="NON_MARKETING")  # 03-18
    clock.advance(timedelta(days=2))  # 03-20: nothing happens for two days
    token = await fresh_token(api, acme.owner.email)

    data = await api.data(HISTORY, {"from": "2026-03-14", "to": "2026-03-22"}, token=token)

    points = [
        (p["date"], p["marketingContacts"], p["billedMarketingContacts"])
        for p in data["contactUsageHistory"]
    ]
    assert points == [
        ("2026-03-15", 2, 2),
        ("2026-03-16", 2, 2),
        ("2026-03-17", 2, 2),
        ("2026-03-18", 1, 2),  # switched off: still billed until the next bill date
        ("2026-03-19", 1, 2),
        ("2026-03-20", 1, 2),
    ]


async def test_a_new_marketing_contact_is_a_point_of_its_day(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 2, status=MarketingStatus.MARKETING)
    await api.data(
        'mutation { createContact(input: {name: "A", source: FORM, marketingStatus: MARKETING})'
        " { userErrors { code } } }",
        token=acme.owner.token,
    )

    data = await api.data(
        HISTORY, {"from": "2026-03-15", "to": "2026-03-15"}, token=acme.owner.token
    )

    assert data["contactUsageHistory"] == [
        {"date": "2026-03-15", "marketingContacts": 3, "billedMarketingContacts": 3}
    ]


async def test_admins_only_and_a_bounded_range(api, factory):
    acme = await factory.account()
    seller = await factory.user(acme)

    forbidden = await api.error_codes(
        HISTORY, {"from": "2026-03-01", "to": "2026-03-15"}, token=seller.token
    )
    too_long = await api.error_codes(
        HISTORY, {"from": "2025-03-01", "to": "2026-03-15"}, token=acme.owner.token
    )
    reversed_ = await api.error_codes(
        HISTORY, {"from": "2026-03-15", "to": "2026-03-01"}, token=acme.owner.token
    )

    assert forbidden == ["FORBIDDEN"]
    assert too_long == ["INVALID_INPUT"]
    assert reversed_ == ["INVALID_INPUT"]
