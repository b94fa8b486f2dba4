"""The README's walk-throughs, run on the demo data exactly as printed there."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from graphql import parse, validate

from db.demo import DEMO_PASSWORD, seed_demo
from schema import build_schema
from tests.demo import walkthroughs as w

README = Path(__file__).resolve().parents[2] / "README.md"

LOGIN = """
mutation($email: String!, $p: String!) { login(input: {email: $email, password: $p}) { token } }
"""


@pytest.fixture
async def demo(sessionmaker, clock):
    await seed_demo(sessionmaker, now=clock.now())


async def _login(api, email: str) -> str:
    data = await api.data(LOGIN, {"email": email, "p": DEMO_PASSWORD})
    token: str = data["login"]["token"]
    return token


def test_readme_shows_exactly_the_tested_documents():
    text = README.read_text(encoding="utf-8")
    for document in w.ALL:
        assert document.strip() in text, document.strip().splitlines()[0]


def test_every_graphql_block_of_the_readme_is_valid_against_the_schema():
    schema = build_schema()._schema
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= len(w.ALL)
    for block in blocks:
        assert validate(schema, parse(block)) == [], block


async def test_users_and_seats_walkthrough(api, demo):
    token = await _login(api, "owner@acme.example")

    deactivated = (await api.data(w.DEACTIVATE_DAVID, token=token))["deactivateUser"]
    assert deactivated["userErrors"] == []
    assert deactivated["user"] == {
        "displayName": "David Kim",
        "status": "DEACTIVATED",
        "seat": None,
    }
    assert deactivated["ownedItems"]["total"] > 0

    added = await api.data(w.USE_UP_SEATS, token=token)
    assert [added[a]["seat"]["status"] for a in ("ivy", "jack", "kim")] == ["OCCUPIED"] * 3
    summary = await api.data(
        "{ account { seatSummary { billable occupied free pendingRemoval } } }", token=token
    )
    assert summary["account"]["seatSummary"] == {
        "billable": 11,
        "occupied": 11,
        "free": 0,
        "pendingRemoval": 0,
    }

    preview = (await api.data(w.PREVIEW_REACTIVATION, token=token))["billingPreview"]
    assert Decimal(preview["immediateCharge"]["amount"]) > 0
    assert (preview["billableSeatsBefore"], preview["billableSeatsAfter"]) == (11, 12)
    assert Decimal(preview["nextInvoiceAfter"]["amount"]) - Decimal(
        preview["nextInvoiceBefore"]["amount"]
    ) == Decimal("29.00")

    refused = (await api.data(w.REACTIVATE_WITHOUT_OPT_IN, token=token))["reactivateUser"]
    assert [e["code"] for e in refused["userErrors"]] == ["SEAT_PURCHASE_REQUIRED"]
    assert refused["billingPreview"]["immediateCharge"] == {
        "amount": preview["immediateCharge"]["amount"]
    }

    reactivated = (
        await api.data(w.REACTIVATE_WITH_PURCHASE, {"at": preview["prorationDate"]}, token=token)
    )["reactivateUser"]
    assert reactivated["userErrors"] == []
    assert reactivated["user"]["seat"] == {"status": "OCCUPIED"}
    assert reactivated["billingPreview"]["immediateCharge"] == preview["immediateCharge"]

    deleted = (await api.data(w.DELETE_HENRY, token=token))["deleteUser"]
    assert deleted["userErrors"] == []
    assert deleted["user"] == {
        "displayName": "(deleted user, ID9)",
        "status": "DELETED",
        "name": None,
        "email": None,
    }
    assert deleted["transferred"]["total"] > 0

    board = await api.data(w.BILLING_DASHBOARD, token=token)
    again = (
        await api.data(
            "{ billingPreview(change: {addSeats: {count: 1}}) { nextInvoiceBefore { amount } } }",
            token=token,
        )
    )["billingPreview"]
    assert board["upcomingInvoice"]["total"]["amount"] == again["nextInvoiceBefore"]["amount"]
    entries = [edge["node"] for edge in board["billingLedger"]["edges"]]
    made = [e for e in entries if e["auditEvent"] is not None]
    assert [(e["kind"], e["auditEvent"]["action"], e["quantity"]) for e in made] == [
        ("CHARGE", "user.reactivate", 1),
        ("SCHEDULED", "user.add", 1),
        ("SCHEDULED", "user.add", 1),
        ("SCHEDULED", "user.deactivate", 1),
    ]
    assert {e["actor"]["displayName"] for e in made} == {"Olivia Bennett"}
    assert made[0]["amount"] == {
        "amount": preview["immediateCharge"]["amount"],
        "currencyCode": "EUR",
    }
    assert [e["kind"] for e in entries[len(made) :]] == ["INVOICE", "INVOICE"]


async def test_marketing_walkthrough(api, demo):
    token = await _login(api, "owner@acme.example")
    start = await api.data(w.FIFTY_NON_MARKETING, token=token)
    assert start["contactUsage"]["tier"] == {"limit": 150}
    ids = [edge["node"]["id"] for edge in start["contacts"]["edges"]]
    assert len(ids) == 50

    preview = (await api.data(w.PREVIEW_MARKETING, {"ids": ids}, token=token))["billingPreview"]
    assert preview["contactTierBefore"] == {"limit": 150, "price": {"amount": "20.00"}}
    assert preview["contactTierAfter"] == {"limit": 1000, "price": {"amount": "45.00"}}
    assert Decimal(preview["immediateCharge"]["amount"]) > 0
    assert preview["lines"][0]["prorated"] is True

    made = (
        await api.data(w.MAKE_MARKETING, {"ids": ids, "at": preview["prorationDate"]}, token=token)
    )["setMarketingStatus"]
    assert made["userErrors"] == []
    assert made["billingPreview"]["immediateCharge"] == {
        "amount": preview["immediateCharge"]["amount"]
    }
    assert made["usage"]["tier"] == {"limit": 1000}

    back = (await api.data(w.BACK_TO_NON_MARKETING, {"ids": ids}, token=token))[
        "setMarketingStatus"
    ]
    assert back["updatedCount"] == 50
    assert back["usage"]["billedMarketingContacts"] == made["usage"]["billedMarketingContacts"]

    seen = await api.data(w.SEE_BILLED_UNTIL, {"id": ids[0]}, token=token)
    assert seen["node"]["marketingStatus"] == "NON_MARKETING"
    assert seen["node"]["billedAsMarketingUntil"] == back["usage"]["nextUpdateDate"]


async def test_closures_walkthrough(api, demo, sessionmaker):
    owner = await _login(api, "owner@acme.example")
    exports = await api.data(w.PORTFOLIO_EXPORTS, token=owner)
    assert exports["portfolio"]["name"] == "Acme Group"
    assert exports["billing"]["rowCount"] > 0
    assert exports["metric"]["rowCount"] > 0
    # Reading the content is what makes the exports count for closePortfolio.
    assert exports["billing"]["content"].startswith("description,amount,currency")

    closed = (await api.data(w.CLOSE_PORTFOLIO, token=owner))["closePortfolio"]
    assert closed["userErrors"] == []
    assert closed["reasonCategory"] == "CONSOLIDATION"
    assert len(closed["disconnectedAccountIds"]) == 2
    assert await api.error_codes("{ viewer { id } }", token=owner) == ["UNAUTHENTICATED"]

    owner = await _login(api, "owner@acme.example")
    handed = (await api.data(w.TRANSFER_OWNERSHIP, token=owner))["transferAccountOwnership"]
    assert handed == {"account": {"owner": {"displayName": "Ana Silva"}}, "userErrors": []}

    labs = await _login(api, "owner@acmelabs.example")
    download = await api.http.get(
        "/exports/account.zip", headers={"Authorization": f"Bearer {labs}"}
    )
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    gone = (await api.data(w.CLOSE_ACCOUNT, token=labs))["closeAccount"]
    assert gone["userErrors"] == []
    assert gone["closedAccountId"]
    again = await api.data(LOGIN, {"email": "owner@acmelabs.example", "p": DEMO_PASSWORD})
    assert again["login"]["token"] is None
