"""deactivateUser: a seat left FREE brings the "remove unused seats" reminder (Pipedrive)."""

from __future__ import annotations

from decimal import Decimal

from tests.billing.helpers import ERRORS, PREVIEW_FIELDS, REMOVE_SEATS

DEACTIVATE = f"""
mutation($input: DeactivateUserInput!) {{
  deactivateUser(input: $input) {{
    unusedSeats {{
      unusedSeats
      savingAtNextBill {{ amount currencyCode }}
      removeUnusedSeatsPreview {{ {PREVIEW_FIELDS} }}
    }}
    {ERRORS}
  }}
}}
"""


async def test_the_reminder_equals_a_remove_unused_seats_preview(api, factory):
    acme = await factory.account(free_seats=1)
    dana = await factory.user(acme)

    data = await api.data(DEACTIVATE, {"input": {"userId": dana.gid}}, token=acme.owner.token)

    reminder = data["deactivateUser"]["unusedSeats"]
    assert reminder["unusedSeats"] == 2  # the one that was free and Dana's
    preview = await api.data(
        REMOVE_SEATS, {"input": {"count": 2, "dryRun": True}}, token=acme.owner.token
    )
    assert reminder["removeUnusedSeatsPreview"] == preview["removeUnusedSeats"]["billingPreview"]
    before = preview["removeUnusedSeats"]["billingPreview"]["nextInvoiceBefore"]["amount"]
    after = preview["removeUnusedSeats"]["billingPreview"]["nextInvoiceAfter"]["amount"]
    assert reminder["savingAtNextBill"] == {
        "amount": str(Decimal(before) - Decimal(after)),
        "currencyCode": "EUR",
    }
    assert reminder["savingAtNextBill"]["amount"] == "58.00"  # two seats at 29.00


async def test_no_reminder_when_the_seat_is_removed_or_on_a_dry_run(api, factory):
    acme = await factory.account()
    dana = await factory.user(acme)
    erin = await factory.user(acme)

    dry = await api.data(
        DEACTIVATE, {"input": {"userId": dana.gid, "dryRun": True}}, token=acme.owner.token
    )
    removed = await api.data(
        DEACTIVATE, {"input": {"userId": erin.gid, "removeSeat": True}}, token=acme.owner.token
    )

    assert dry["deactivateUser"] == {"unusedSeats": None, "userErrors": []}
    assert removed["deactivateUser"] == {"unusedSeats": None, "userErrors": []}
