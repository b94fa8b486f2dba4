"""Rebuilding a portfolio after closing it (issue 17): create, link with acceptance, metric."""

from __future__ import annotations

import json

from sqlalchemy import select

from db.models import AuditEvent
from tests.contacts.helpers import fresh_token
from tests.portfolios.helpers import CLOSE, close_input, portfolio_world

ERRORS = "userErrors { field code message }"
PORTFOLIO = "portfolio { id name metric { name } accounts { id name } owner { id } }"

CREATE = f"""
mutation($name: String!) {{ createPortfolio(input: {{name: $name}}) {{ {PORTFOLIO} {ERRORS} }} }}
"""
REQUEST = f"""
mutation($p: ID!, $a: ID!) {{
  requestPortfolioLink(input: {{portfolioId: $p, accountId: $a}}) {{
    request {{ id status portfolioName accountId }} {ERRORS}
  }}
}}
"""
ACCEPT = f"""
mutation($r: ID!) {{
  acceptPortfolioLink(input: {{requestId: $r}}) {{ request {{ id status decidedAt }} {ERRORS} }}
}}
"""
DECLINE = f"""
mutation($r: ID!) {{
  declinePortfolioLink(input: {{requestId: $r}}) {{ request {{ id status }} {ERRORS} }}
}}
"""
UNLINK = f"""
mutation($p: ID!, $a: ID!) {{
  unlinkPortfolioAccount(input: {{portfolioId: $p, accountId: $a}}) {{ {PORTFOLIO} {ERRORS} }}
}}
"""
METRIC = f"""
mutation($p: ID!, $name: String!) {{
  setPortfolioMetric(input: {{portfolioId: $p, name: $name}}) {{ {PORTFOLIO} {ERRORS} }}
}}
"""
PENDING = "{ portfolioLinkRequests { id status portfolioName } }"


def codes(payload) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def actions(sessionmaker, account_id: int) -> list[tuple[str, dict[str, object]]]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id, AuditEvent.action.like("portfolio.%"))
            .order_by(AuditEvent.id)
        )
        return [(row.action, json.loads(row.details)) for row in rows.all()]


async def test_a_closed_portfolio_can_be_rebuilt_and_closed_again(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    closed = await api.data(
        CLOSE, close_input(world, acknowledgeDataLoss=True), token=world.owner_token
    )
    assert closed["closePortfolio"]["userErrors"] == []
    owner = await fresh_token(api, world.home.owner.email)  # closing logged the owner out

    created = (await api.data(CREATE, {"name": " Northwind Group "}, token=owner))[
        "createPortfolio"
    ]
    assert created["userErrors"] == []
    portfolio = created["portfolio"]
    assert portfolio["name"] == "Northwind Group"
    assert portfolio["owner"]["id"] == world.home.owner.gid
    assert portfolio["accounts"] == []
    pid = portfolio["id"]

    asked = await api.data(REQUEST, {"p": pid, "a": world.north.gid}, token=owner)
    request = asked["requestPortfolioLink"]["request"]
    assert request["status"] == "PENDING"
    assert request["portfolioName"] == "Northwind Group"
    # Not linked until North's owner agrees; North's owner sees the request.
    assert (await api.data(PENDING, token=world.north.owner.token))["portfolioLinkRequests"] == [
        {"id": request["id"], "status": "PENDING", "portfolioName": "Northwind Group"}
    ]
    seller = world.north.users[1]
    assert await api.error_codes(PENDING, token=seller.token) == ["FORBIDDEN"]
    refused = await api.data(ACCEPT, {"r": request["id"]}, token=seller.token)
    assert codes(refused["acceptPortfolioLink"]) == ["FORBIDDEN"]
    by_portfolio_owner = await api.data(ACCEPT, {"r": request["id"]}, token=owner)
    assert codes(by_portfolio_owner["acceptPortfolioLink"]) == ["NOT_FOUND"]

    accepted = await api.data(ACCEPT, {"r": request["id"]}, token=world.north.owner.token)
    assert accepted["acceptPortfolioLink"]["request"]["status"] == "ACCEPTED"
    again = await api.data(ACCEPT, {"r": request["id"]}, token=world.north.owner.token)
    assert codes(again["acceptPortfolioLink"]) == ["INVALID_STATE"]

    south_asked = await api.data(REQUEST, {"p": pid, "a": world.south.gid}, token=owner)
    south_request = south_asked["requestPortfolioLink"]["request"]["id"]
    declined = await api.data(DECLINE, {"r": south_request}, token=world.south.owner.token)
    assert declined["declinePortfolioLink"]["request"]["status"] == "DECLINED"

    metric = await api.data(METRIC, {"p": pid, "name": "Monthly revenue"}, token=owner)
    rebuilt = metric["setPortfolioMetric"]["portfolio"]
    assert rebuilt["metric"] == {"name": "Monthly revenue"}
    assert [account["id"] for account in rebuilt["accounts"]] == [world.north.gid]
    # North's members now see the portfolio they joined.
    seen = await api.data("{ portfolio { id } }", token=seller.token)
    assert seen["portfolio"] == {"id": pid}

    assert [action for action, _ in await actions(sessionmaker, world.home.id)] == [
        "portfolio.close",
        "portfolio.create",
        "portfolio.link_request",
        "portfolio.link_request",
        "portfolio.set_metric",
    ]
    assert [action for action, _ in await actions(sessionmaker, world.north.id)] == [
        "portfolio.link_accept"
    ]
    assert [action for action, _ in await actions(sessionmaker, world.south.id)] == [
        "portfolio.link_decline"
    ]

    again_closed = await api.data(
        CLOSE, close_input(world, portfolioId=pid, acknowledgeDataLoss=True), token=owner
    )
    assert again_closed["closePortfolio"]["userErrors"] == []
    assert again_closed["closePortfolio"]["closedPortfolioId"] == pid
    assert again_closed["closePortfolio"]["disconnectedAccountIds"] == [world.north.gid]


async def test_one_portfolio_per_owner_and_admins_only(api, factory):
    world = await portfolio_world(factory)
    seller = world.north.users[1]

    second = await api.data(CREATE, {"name": "Second"}, token=world.owner_token)
    not_admin = await api.data(CREATE, {"name": "Mine"}, token=seller.token)
    blank = await api.data(CREATE, {"name": "   "}, token=world.north.owner.token)

    assert codes(second["createPortfolio"]) == ["INVALID_STATE"]
    assert codes(not_admin["createPortfolio"]) == ["FORBIDDEN"]
    assert codes(blank["createPortfolio"]) == ["INVALID_INPUT"]


async def test_link_rules_and_unlinking(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    owner = world.owner_token

    taken = await api.data(REQUEST, {"p": world.gid, "a": world.north.gid}, token=owner)
    assert codes(taken["requestPortfolioLink"]) == ["INVALID_STATE"]  # already linked
    by_member = await api.data(
        REQUEST, {"p": world.gid, "a": world.home.gid}, token=world.north.owner.token
    )
    assert codes(by_member["requestPortfolioLink"]) == ["FORBIDDEN"]
    own = await api.data(REQUEST, {"p": world.gid, "a": world.home.gid}, token=owner)
    assert own["requestPortfolioLink"]["request"]["status"] == "ACCEPTED"  # asking is agreeing

    left = await api.data(
        UNLINK, {"p": world.gid, "a": world.south.gid}, token=world.south.owner.token
    )
    assert left["unlinkPortfolioAccount"]["userErrors"] == []
    unlinked = await api.data(UNLINK, {"p": world.gid, "a": world.north.gid}, token=owner)
    accounts = unlinked["unlinkPortfolioAccount"]["portfolio"]["accounts"]
    assert [account["id"] for account in accounts] == [world.home.gid]
    metric = await api.data(METRIC, {"p": world.gid, "name": "x"}, token=world.north.owner.token)
    assert codes(metric["setPortfolioMetric"]) == ["NOT_FOUND"]  # no longer sees it
    assert [action for action, _ in await actions(sessionmaker, world.south.id)] == [
        "portfolio.unlink"
    ]
