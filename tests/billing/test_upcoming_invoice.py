"""upcomingInvoice: the next invoice as things stand, equal to every preview's nextInvoiceBefore
before a change and to its nextInvoiceAfter once the change is made."""

from __future__ import annotations

from typing import Any

import pytest

from db.enums import MarketingStatus, UserStatus
from tests.billing.helpers import BILLING_PREVIEW

UPCOMING = """{ upcomingInvoice {
  date periodStart periodEnd
  lines { description quantity unitPrice { amount } amount { amount currencyCode } prorated }
  subtotal { amount currencyCode } total { amount currencyCode }
} }"""

MUTATIONS = {
    "addSeats": (
        "mutation($input: SeatCountInput!) { addSeats(input: $input) { userErrors { code } } }"
    ),
    "removeUnusedSeats": (
        "mutation($input: SeatCountInput!) { removeUnusedSeats(input: $input) "
        "{ userErrors { code } } }"
    ),
    "reactivateUser": (
        "mutation($input: ReactivateUserInput!) { reactivateUser(input: $input) "
        "{ userErrors { code } } }"
    ),
    "setMarketingStatus": (
        "mutation($input: SetMarketingStatusInput!) { setMarketingStatus(input: $input) "
        "{ userErrors { code } } }"
    ),
}


async def _upcoming(api: Any, token: str) -> dict[str, Any]:
    invoice: dict[str, Any] = (await api.data(UPCOMING, token=token))["upcomingInvoice"]
    return invoice


async def test_upcoming_invoice_lists_seats_leaving_and_the_tier(api, factory):
    acme = await factory.account(free_seats=2, pending_removal_seats=1)

    invoice = await _upcoming(api, acme.owner.token)

    assert invoice["date"] == "2026-04-01T00:00:00+00:00"
    assert (invoice["periodStart"], invoice["periodEnd"]) == (
        "2026-04-01T00:00:00+00:00",
        "2026-05-01T00:00:00+00:00",
    )
    assert [
        (line["description"], line["quantity"], line["amount"]["amount"])
        for line in invoice["lines"]
    ] == [
        ("Seats", 3, "87.00"),  # owner + 2 free
        ("Seat leaving at the bill date", 1, "0.00"),
        ("Contact tier 1,000", 1, "45.00"),
    ]
    assert invoice["subtotal"] == invoice["total"] == {"amount": "132.00", "currencyCode": "EUR"}


async def test_upcoming_invoice_is_for_admins_only(api, factory):
    acme = await factory.account()
    member = await factory.user(acme)

    assert await api.error_codes(UPCOMING, token=member.token) == ["FORBIDDEN"]


@pytest.mark.parametrize("kind", list(MUTATIONS))
async def test_upcoming_invoice_matches_the_preview_before_and_after_each_change(
    api, factory, kind
):
    acme = await factory.account(free_seats=2, tier_limit=1000)
    await factory.user(acme, status=UserStatus.DEACTIVATED)
    await factory.contacts(acme, 1000, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 3, name_prefix="Cold")
    inputs: dict[str, dict[str, Any]] = {
        "addSeats": {"count": 2},
        "removeUnusedSeats": {"count": 2},
        "reactivateUser": {"userId": None, "allowSeatPurchase": True},
        "setMarketingStatus": {
            "filter": {"marketingStatus": "NON_MARKETING"},
            "status": "MARKETING",
        },
    }
    if kind == "reactivateUser":
        # With no free seat left, reactivation buys one.
        await api.data(
            MUTATIONS["removeUnusedSeats"], {"input": {"count": 2}}, token=acme.owner.token
        )
        users = await api.data(
            "{ users(filter: {status: [DEACTIVATED]}) { edges { node { id } } } }",
            token=acme.owner.token,
        )
        inputs[kind]["userId"] = users["users"]["edges"][0]["node"]["id"]
    token = acme.owner.token
    preview = (await api.data(BILLING_PREVIEW, {"change": {kind: inputs[kind]}}, token=token))[
        "billingPreview"
    ]
    before = await _upcoming(api, token)
    assert before["total"]["amount"] == preview["nextInvoiceBefore"]["amount"]

    data = await api.data(
        MUTATIONS[kind],
        {"input": {**inputs[kind], "prorationDate": preview["prorationDate"]}},
        token=token,
    )

    assert data[kind]["userErrors"] == []
    after = await _upcoming(api, token)
    assert after["total"]["amount"] == preview["nextInvoiceAfter"]["amount"]
    assert after["total"] != before["total"]
