"""Shared set-up for portfolio tests: an owner's account plus two linked accounts with data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from resolvers.ids import encode_global_id
from tests.factories import AccountHandle, Factory

EXPORT = """
query($id: ID!, $kind: PortfolioExportKind!) {
  portfolioExport(portfolioId: $id, kind: $kind) { filename contentType rowCount content }
}
"""

CLOSE = """
mutation($input: ClosePortfolioInput!) {
  closePortfolio(input: $input) {
    closedPortfolioId disconnectedAccountIds reasonCategory
    userErrors { field code message }
  }
}
"""


@dataclass
class World:
    home: AccountHandle
    north: AccountHandle
    south: AccountHandle
    portfolio_id: int

    @property
    def gid(self) -> str:
        return encode_global_id("Portfolio", self.portfolio_id)

    @property
    def owner_token(self) -> str:
        token = self.home.owner.token
        assert token is not None
        return token


async def portfolio_world(factory: Factory, *, name: str = "Northwind Group") -> World:
    """``home`` owns the portfolio (its owner is the portfolio owner); ``north`` and ``south``
    are linked, each with users, contacts and deals of their own."""
    home = await factory.account("Home Office")
    north = await factory.account("North Branch")
    south = await factory.account("South Branch")
    for branch in (north, south):
        seller = await factory.user(branch)
        await factory.contacts(branch, 3, owner=seller)
        await factory.deals(branch, 2, owner=seller)
    portfolio_id = await factory.portfolio(
        home.owner,
        [north, south],
        name=name,
        metric_points=[
            (north, 2, Decimal("1250.5000")),
            (south, 2, Decimal("-40.2500")),
            (north, 1, Decimal("1300.0000")),
        ],
        billing_rows=[
            ("Portfolio plan", Decimal("99.00")),
            ('=HYPERLINK("http://evil")', Decimal("-10.00")),
        ],
    )
    return World(home, north, south, portfolio_id)


async def take_both_exports(api, world: World) -> None:
    for kind in ("BILLING", "METRIC"):
        await api.data(EXPORT, {"id": world.gid, "kind": kind}, token=world.owner_token)


def close_input(world: World, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "portfolioId": world.gid,
        "reason": "CONSOLIDATING_PORTFOLIOS",
        "confirmName": "Northwind Group",
    }
    values.update(overrides)
    return {"input": values}
