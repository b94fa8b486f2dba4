"""auditEvents(filter:): by action, actor, target and date range; details also as JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from db.enums import Role
from tests.billing.helpers import ADD_SEATS, REMOVE_SEATS

EVENTS = """query($filter: AuditEventFilter) {
  auditEvents(filter: $filter) {
    totalCount edges { node { action actor { id } targetId occurredAt details detailsJson } }
  }
}"""


async def _events(api: Any, token: str, **flt: Any) -> list[dict[str, Any]]:
    data = await api.data(EVENTS, {"filter": flt}, token=token)
    return [edge["node"] for edge in data["auditEvents"]["edges"]]


async def test_audit_events_filter_by_action_actor_target_and_dates(api, factory, clock):
    acme = await factory.account(free_seats=2)
    admin = await factory.user(acme, role=Role.ADMIN)
    owner = acme.owner
    account_gid = (await api.data("{ account { id } }", token=owner.token))["account"]["id"]

    await api.data(ADD_SEATS, {"input": {"count": 1}}, token=owner.token)
    start = clock.now()
    clock.advance(timedelta(hours=2))
    middle = clock.now()
    await api.data(REMOVE_SEATS, {"input": {"count": 1}}, token=admin.token)
    clock.advance(timedelta(hours=2))

    everything = await _events(api, owner.token)
    assert [e["action"] for e in everything] == ["seat.remove", "seat.add"]
    for event in everything:
        assert isinstance(event["detailsJson"], dict)
        assert event["detailsJson"]["charge_id"]
        assert event["details"].startswith("{")  # the contract's string stays as it was

    by_actor = await _events(api, owner.token, actorId=admin.gid)
    assert [e["action"] for e in by_actor] == ["seat.remove"]
    by_action = await _events(api, owner.token, action=["seat.add"])
    assert [e["actor"]["id"] for e in by_action] == [owner.gid]
    by_target = await _events(api, owner.token, targetId=account_gid, actorId=owner.gid)
    assert [e["action"] for e in by_target] == ["seat.add"]
    since = await _events(api, owner.token, **{"from": middle.isoformat()})
    assert [e["action"] for e in since] == ["seat.remove"]
    before = await _events(api, owner.token, to=middle.isoformat())
    assert [e["action"] for e in before] == ["seat.add"]
    assert start.isoformat() == before[0]["occurredAt"]
    codes = await api.error_codes(
        EVENTS, {"filter": {"from": middle.isoformat(), "to": start.isoformat()}}, token=owner.token
    )
    assert codes == ["INVALID_INPUT"]
