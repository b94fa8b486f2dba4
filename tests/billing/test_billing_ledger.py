"""billingLedger: entries newest first with the audit event (and actor) that caused them."""

from __future__ import annotations

from typing import Any

from db.enums import MarketingStatus, Role, UserStatus
from tests.billing.helpers import ADD_SEATS, REACTIVATE_USER, REMOVE_SEATS
from tests.contacts.helpers import set_status

LEDGER = """query($first: Int, $after: String, $filter: LedgerFilter) {
  billingLedger(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      kind item description quantity amount { amount currencyCode } prorated
      periodStart periodEnd postedAt effectiveAt chargeId
      actor { id }
      auditEvent { action actor { id } detailsJson }
    } }
  }
}"""


async def _ledger(api: Any, token: str, **variables: Any) -> list[dict[str, Any]]:
    data = await api.data(LEDGER, variables, token=token)
    return [edge["node"] for edge in data["billingLedger"]["edges"]]


async def test_the_ledger_lists_each_charge_with_the_audit_event_and_actor(api, factory):
    acme = await factory.account(free_seats=1, tier_limit=1000)
    admin = await factory.user(acme, role=Role.ADMIN)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    await factory.contacts(acme, 1000, status=MarketingStatus.MARKETING)
    await factory.contacts(acme, 2, name_prefix="Cold")
    owner = acme.owner

    await api.data(ADD_SEATS, {"input": {"count": 2}}, token=owner.token)
    await api.data(REMOVE_SEATS, {"input": {"count": 3}}, token=owner.token)
    await api.data(
        REACTIVATE_USER,
        {"input": {"userId": gone.gid, "allowSeatPurchase": True}},
        token=admin.token,
    )
    await set_status(
        api, admin.token, filter={"marketingStatus": "NON_MARKETING"}, status="MARKETING"
    )

    entries = await _ledger(api, owner.token)

    assert [(e["kind"], e["item"], e["quantity"]) for e in entries] == [
        ("CHARGE", "CONTACT_TIER", 1),
        ("SCHEDULED", "SEATS", 1),  # the reactivation cancelled a pending removal
        ("SCHEDULED", "SEATS", 3),
        ("CHARGE", "SEATS", 2),
    ]
    assert [e["auditEvent"]["action"] for e in entries] == [
        "contact.set_marketing_status",
        "user.reactivate",
        "seat.remove",
        "seat.add",
    ]
    actors = [owner.gid, owner.gid, admin.gid, admin.gid][::-1]
    assert [e["actor"]["id"] for e in entries] == actors
    assert [e["auditEvent"]["actor"]["id"] for e in entries] == actors
    for entry in entries:
        details = entry["auditEvent"]["detailsJson"]
        assert entry["chargeId"] in (details.get("charge_id"), details.get("ledger_operation_id"))
    # Filters: kind, item and the effective date range.
    charges = await _ledger(api, owner.token, filter={"kind": ["CHARGE"], "item": ["SEATS"]})
    assert [e["quantity"] for e in charges] == [2]
    tier_day = entries[0]["effectiveAt"]  # the next day; scheduled rows: the next bill date
    later = await _ledger(api, owner.token, filter={"from": tier_day})
    assert [(e["kind"], e["item"]) for e in later] == [
        ("CHARGE", "CONTACT_TIER"),
        ("SCHEDULED", "SEATS"),
        ("SCHEDULED", "SEATS"),
    ]
    earlier = await _ledger(api, owner.token, filter={"to": tier_day})
    assert [(e["kind"], e["quantity"]) for e in earlier] == [("CHARGE", 2)]


async def test_the_ledger_is_for_admins_only(api, factory):
    acme = await factory.account()
    member = await factory.user(acme)

    assert await api.error_codes(LEDGER, token=member.token) == ["FORBIDDEN"]


async def test_a_ledger_page_costs_the_same_statements_for_5_or_50_entries(
    api, factory, statements
):
    acme = await factory.account()
    admins = [await factory.user(acme, role=Role.ADMIN) for _ in range(5)]
    for index in range(50):
        await api.data(ADD_SEATS, {"input": {"count": 1}}, token=admins[index % len(admins)].token)

    async def cost(first: int) -> int:
        statements.reset()
        entries = await _ledger(api, acme.owner.token, first=first)
        assert len(entries) == first
        count: int = statements.count
        return count

    assert await cost(5) == await cost(50)
