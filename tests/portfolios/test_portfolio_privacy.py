"""Members of a linked account see the portfolio, not the other accounts' data."""

from __future__ import annotations

from decimal import Decimal

POINTS = """{ portfolio { owner { displayName name email }
  metric { points { edges { node { accountId value } } } } } }"""


async def test_a_linked_accounts_member_sees_only_its_own_metric_values(api, factory):
    corp = await factory.account("Acme Corp")
    labs = await factory.account("Acme Labs")
    member = await factory.user(labs)
    await factory.portfolio(
        corp.owner,
        [corp, labs],
        metric_points=[(corp, 1, Decimal("12345.6789")), (labs, 1, Decimal("10.0000"))],
    )

    as_member = (await api.data(POINTS, token=member.token))["portfolio"]
    values = [edge["node"] for edge in as_member["metric"]["points"]["edges"]]
    assert values == [{"accountId": labs.gid, "value": "10.0000"}]
    assert as_member["owner"]["name"] is None
    assert as_member["owner"]["email"] is None

    as_owner = (await api.data(POINTS, token=corp.owner.token))["portfolio"]
    assert len(as_owner["metric"]["points"]["edges"]) == 2
