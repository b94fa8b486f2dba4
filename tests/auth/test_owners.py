"""Owners who can always act: the account goes only to an admin who can sign in; a portfolio
follows its leaving owner to the account owner; the account owner closes an orphaned one."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from db.enums import Role, UserStatus
from db.models import AuditEvent, Portfolio, User
from tests.auth.helpers import ACCEPT, ADD_USER, NEW_PASSWORD
from tests.portfolios.helpers import CLOSE

TRANSFER = """
mutation($to: ID!) {
  transferAccountOwnership(input: {toUserId: $to}) {
    account { owner { id } } userErrors { field code message }
  }
}
"""
DEACTIVATE = "mutation($id: ID!) { deactivateUser(input: {userId: $id}) { userErrors { code } } }"
DELETE = "mutation($id: ID!) { deleteUser(input: {userId: $id}) { userErrors { code } } }"


def _close(portfolio_gid: str) -> dict[str, object]:
    return {
        "input": {
            "portfolioId": portfolio_gid,
            "reason": "NO_LONGER_NEEDED",
            "confirmName": "Northwind Group",
            "acknowledgeDataLoss": True,
        }
    }


def _gid(pk: int) -> str:
    from resolvers.ids import encode_global_id

    return encode_global_id("Portfolio", pk)


async def test_the_account_cannot_go_to_an_admin_who_never_signed_in(api, factory):
    acme = await factory.account(free_seats=1)
    added = await api.data(
        ADD_USER,
        {"input": {"name": "Nina", "email": "nina@acme.example", "role": "ADMIN"}},
        token=acme.owner.token,
    )
    nina = added["addUser"]["user"]["id"]

    payload = (await api.data(TRANSFER, {"to": nina}, token=acme.owner.token))[
        "transferAccountOwnership"
    ]

    assert payload["account"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("CANNOT_SIGN_IN", ["input", "toUserId"])
    ]


async def test_the_account_goes_to_an_admin_once_they_accepted(api, factory, services, smtp):
    acme = await factory.account(free_seats=1)
    added = await api.data(
        ADD_USER,
        {"input": {"name": "Nina", "email": "nina@acme.example", "role": "ADMIN"}},
        token=acme.owner.token,
    )
    nina = added["addUser"]["user"]["id"]
    await smtp.sender(services).deliver_due()
    [token] = smtp.inbox.tokens("accept-invitation")
    await api.data(ACCEPT, {"token": token, "password": NEW_PASSWORD})

    payload = (await api.data(TRANSFER, {"to": nina}, token=acme.owner.token))[
        "transferAccountOwnership"
    ]

    assert payload == {"account": {"owner": {"id": nina}}, "userErrors": []}


async def test_hand_over_deactivate_and_delete_the_old_owner_then_close_the_portfolio(
    api, factory, sessionmaker
):
    """The path that broke: the portfolio's owner leaves after handing the account over."""
    acme = await factory.account()
    heir = await factory.user(acme, role=Role.ADMIN)
    portfolio = await factory.portfolio(acme.owner, name="Northwind Group")

    handed = await api.data(TRANSFER, {"to": heir.gid}, token=acme.owner.token)
    assert handed["transferAccountOwnership"]["userErrors"] == []
    deactivated = await api.data(DEACTIVATE, {"id": acme.owner.gid}, token=heir.token)
    assert deactivated["deactivateUser"]["userErrors"] == []
    deleted = await api.data(DELETE, {"id": acme.owner.gid}, token=heir.token)
    assert deleted["deleteUser"]["userErrors"] == []

    async with sessionmaker() as session:
        owner_id = await session.scalar(
            select(Portfolio.owner_user_id).where(Portfolio.id == portfolio)
        )
        event = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))
        ).one()
    assert owner_id == heir.id  # the portfolio followed to the account owner
    assert json.loads(event.details)["portfolios_moved"] == 1

    closed = (await api.data(CLOSE, _close(_gid(portfolio)), token=heir.token))["closePortfolio"]

    assert closed["userErrors"] == []
    assert closed["closedPortfolioId"] == _gid(portfolio)


async def _orphan(factory, sessionmaker, status=UserStatus.DELETED):
    """A portfolio whose owner cannot sign in (data from before the rule)."""
    acme = await factory.account()
    admin = await factory.user(acme, role=Role.ADMIN)
    leaver = await factory.user(acme)
    portfolio = await factory.portfolio(leaver, name="Northwind Group")
    async with sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == leaver.id).values(status=status))
    return acme, admin, portfolio


async def test_the_account_owner_closes_a_portfolio_whose_owner_cannot_sign_in(
    api, factory, sessionmaker
):
    acme, _, portfolio = await _orphan(factory, sessionmaker)

    closed = (await api.data(CLOSE, _close(_gid(portfolio)), token=acme.owner.token))[
        "closePortfolio"
    ]

    assert closed["userErrors"] == []
    assert (await api.data("{ viewer { id } }", token=acme.owner.token))["viewer"]


async def test_another_admin_cannot_close_an_orphaned_portfolio(api, factory, sessionmaker):
    _, admin, portfolio = await _orphan(factory, sessionmaker)

    closed = (await api.data(CLOSE, _close(_gid(portfolio)), token=admin.token))["closePortfolio"]

    assert [e["code"] for e in closed["userErrors"]] == ["NOT_FOUND"]  # not theirs to see


async def test_the_account_owner_cannot_close_a_portfolio_whose_owner_can_sign_in(
    api, factory, sessionmaker
):
    acme = await factory.account()
    member = await factory.user(acme)
    portfolio = await factory.portfolio(member, name="Northwind Group")

    closed = (await api.data(CLOSE, _close(_gid(portfolio)), token=acme.owner.token))[
        "closePortfolio"
    ]

    assert [e["code"] for e in closed["userErrors"]] == ["FORBIDDEN"]
    async with sessionmaker() as session:
        assert await session.get(Portfolio, portfolio) is not None


async def test_a_portfolio_owner_without_a_password_counts_as_unable_to_sign_in(
    api, factory, sessionmaker
):
    acme = await factory.account()
    invitee = await factory.user(acme)
    portfolio = await factory.portfolio(invitee, name="Northwind Group")
    async with sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == invitee.id).values(password_hash=None))

    closed = (await api.data(CLOSE, _close(_gid(portfolio)), token=acme.owner.token))[
        "closePortfolio"
    ]

    assert closed["userErrors"] == []


async def test_the_account_owner_takes_an_orphaned_portfolios_exports_and_closes_it(
    api, factory, sessionmaker
):
    """Closing needs both exports; who may close a portfolio may take them."""
    acme, admin, portfolio = await _orphan(factory, sessionmaker)
    headers = {"Authorization": f"Bearer {acme.owner.token}"}
    for kind in ("billing", "metric"):
        download = await api.http.get(
            f"/exports/portfolios/{_gid(portfolio)}/{kind}.csv", headers=headers
        )
        assert download.status_code == 200
    refused = await api.http.get(
        f"/exports/portfolios/{_gid(portfolio)}/billing.csv",
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert refused.status_code == 404  # another admin does not even see it

    variables = _close(_gid(portfolio))
    variables["input"]["acknowledgeDataLoss"] = False  # type: ignore[index]
    closed = (await api.data(CLOSE, variables, token=acme.owner.token))["closePortfolio"]
    assert closed["userErrors"] == []
