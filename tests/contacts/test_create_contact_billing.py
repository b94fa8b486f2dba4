"""createContact moves money when it passes the tier limit: dryRun, prorationDate, preview."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from db import models
from db.enums import MarketingStatus
from tests.contacts.helpers import PREVIEW_FIELDS

CREATE = f"""
mutation($input: CreateContactInput!) {{
  createContact(input: $input) {{
    contact {{ name marketingStatus }}
    billingPreview {{ {PREVIEW_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}
"""

PREVIEW = f"""query($change: BillingChangeInput!) {{
  billingPreview(change: $change) {{ {PREVIEW_FIELDS} }}
}}"""

UPCOMING_TOTAL = "{ upcomingInvoice { total { amount } } }"


async def _count(sessionmaker, model) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_contact_past_the_tier_is_previewed_then_charged_exactly_the_preview(
    api, factory, sessionmaker, clock
):
    acme = await factory.account(tier_limit=1000)
    await factory.contacts(acme, 1000, status=MarketingStatus.MARKETING)
    token = acme.owner.token
    contact = {"name": "Ada", "source": "FORM", "marketingStatus": "MARKETING"}

    dry = (await api.data(CREATE, {"input": {**contact, "dryRun": True}}, token=token))[
        "createContact"
    ]
    preview = (await api.data(PREVIEW, {"change": {"createContact": contact}}, token=token))[
        "billingPreview"
    ]

    assert dry["contact"] is None
    assert dry["userErrors"] == []
    assert dry["billingPreview"] == preview
    assert preview["contactTierAfter"]["limit"] == 2000
    assert preview["immediateCharge"]["amount"] == "23.95"
    assert await _count(sessionmaker, models.Contact) == 1000
    assert await _count(sessionmaker, models.LedgerEntry) == 0
    before = (await api.data(UPCOMING_TOTAL, token=token))["upcomingInvoice"]["total"]
    assert before["amount"] == preview["nextInvoiceBefore"]["amount"]

    clock.advance(timedelta(hours=3))
    made = (
        await api.data(
            CREATE, {"input": {**contact, "prorationDate": preview["prorationDate"]}}, token=token
        )
    )["createContact"]

    assert made["userErrors"] == []
    assert made["contact"] == {"name": "Ada", "marketingStatus": "MARKETING"}
    assert made["billingPreview"] == preview
    async with sessionmaker() as session:
        charge = (await session.scalars(select(models.LedgerEntry))).one()
    assert str(charge.amount) == preview["immediateCharge"]["amount"]
    after = (await api.data(UPCOMING_TOTAL, token=token))["upcomingInvoice"]["total"]
    assert after["amount"] == preview["nextInvoiceAfter"]["amount"]


async def test_a_non_marketing_contact_costs_nothing_and_a_future_proration_date_is_refused(
    api, factory, clock
):
    acme = await factory.account()
    token = acme.owner.token

    plain = (await api.data(CREATE, {"input": {"name": "Bo", "source": "MANUAL"}}, token=token))[
        "createContact"
    ]
    refused = (
        await api.data(
            CREATE,
            {
                "input": {
                    "name": "Cy",
                    "source": "FORM",
                    "marketingStatus": "MARKETING",
                    "prorationDate": (clock.now() + timedelta(hours=1)).isoformat(),
                }
            },
            token=token,
        )
    )["createContact"]

    assert plain["billingPreview"] is None
    assert plain["contact"]["name"] == "Bo"
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID_INPUT", ["input", "prorationDate"])
    ]
    assert refused["contact"] is None
