"""Reading a portfolio: linked accounts, metric points, export times, who can see it."""

from __future__ import annotations

from resolvers.ids import encode_global_id
from tests.portfolios.helpers import EXPORT, portfolio_world

PORTFOLIO = """
query {
  portfolio {
    id name owner { id }
    accounts { id name linkedAt }
    metric { name points(first: 10) { totalCount edges { node { accountId date value } } } }
    billing: exportedAt(kind: BILLING)
    metricExport: exportedAt(kind: METRIC)
  }
}
"""


async def test_owner_reads_portfolio_with_accounts_and_metric(api, factory):
    world = await portfolio_world(factory)

    data = await api.data(PORTFOLIO, token=world.owner_token)

    portfolio = data["portfolio"]
    assert portfolio["id"] == world.gid
    assert portfolio["name"] == "Northwind Group"
    assert portfolio["owner"]["id"] == world.home.owner.gid
    assert [a["name"] for a in portfolio["accounts"]] == ["North Branch", "South Branch"]
    assert portfolio["accounts"][0]["id"] == world.north.gid
    assert portfolio["metric"]["name"] == "Monthly revenue"
    points = [edge["node"] for edge in portfolio["metric"]["points"]["edges"]]
    assert portfolio["metric"]["points"]["totalCount"] == 3
    assert points[0] == {"accountId": world.north.gid, "date": "2026-03-13", "value": "1250.5000"}
    assert points[1]["value"] == "-40.2500"


async def test_export_times_are_null_until_an_export_is_taken(api, factory):
    world = await portfolio_world(factory)
    before = await api.data(PORTFOLIO, token=world.owner_token)
    assert before["portfolio"]["billing"] is None
    assert before["portfolio"]["metricExport"] is None

    await api.data(EXPORT, {"id": world.gid, "kind": "BILLING"}, token=world.owner_token)

    after = await api.data(PORTFOLIO, token=world.owner_token)
    assert after["portfolio"]["billing"] == "2026-03-15T12:00:00+00:00"
    assert after["portfolio"]["metricExport"] is None


async def test_user_of_a_linked_account_sees_the_portfolio(api, factory):
    world = await portfolio_world(factory)
    data = await api.data("{ portfolio { id } }", token=world.north.owner.token)
    assert data["portfolio"] == {"id": world.gid}


async def test_user_of_an_unrelated_account_sees_no_portfolio(api, factory):
    await portfolio_world(factory)
    other = await factory.account("Elsewhere Inc")
    data = await api.data("{ portfolio { id } }", token=other.owner.token)
    assert data["portfolio"] is None


async def test_node_lookup_of_an_invisible_portfolio_is_null(api, factory):
    world = await portfolio_world(factory)
    other = await factory.account("Elsewhere Inc")
    data = await api.data(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": encode_global_id("Portfolio", world.portfolio_id)},
        token=other.owner.token,
    )
    assert data["node"] is None
