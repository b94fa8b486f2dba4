"""portfolioClosures: the account owner reads why, by whom and when its portfolios closed."""

from __future__ import annotations

from db.enums import Role
from tests.billing.helpers import fresh_token
from tests.portfolios.helpers import CLOSE, close_input, portfolio_world, take_both_exports

CLOSURES = """{ portfolioClosures {
  portfolioId reason reasonCategory details closedAt closedBy { id }
} }"""


async def test_the_account_owner_reads_the_closure_record(api, factory, clock):
    world = await portfolio_world(factory)
    admin = await factory.user(world.home, role=Role.ADMIN)
    other = await portfolio_world(factory, name="Elsewhere Group")
    await take_both_exports(api, world)

    closed = await api.data(
        CLOSE,
        close_input(world, reason="MISSING_FEATURES", details="  No forecasts  "),
        token=world.owner_token,
    )
    assert closed["closePortfolio"]["userErrors"] == []

    token = await fresh_token(api, world.home.owner.email)  # closing logged the owner out
    data = await api.data(CLOSURES, token=token)
    assert data["portfolioClosures"] == [
        {
            "portfolioId": world.gid,
            "reason": "MISSING_FEATURES",
            "reasonCategory": "PROBLEM",
            "details": "No forecasts",
            "closedAt": clock.now().isoformat(),
            "closedBy": {"id": world.home.owner.gid},
        }
    ]
    # Another account's owner sees none of it; an admin who is not the owner is refused.
    assert (await api.data(CLOSURES, token=other.owner_token))["portfolioClosures"] == []
    assert await api.error_codes(CLOSURES, token=admin.token) == ["FORBIDDEN"]
