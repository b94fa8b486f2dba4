"""createDeal: any active user; the owner defaults to the viewer and must be an active user."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.enums import UserStatus
from db.models import Deal
from tests.billing.helpers import Db, gid

CREATE_DEAL = """
mutation($input: CreateDealInput!) {
  createDeal(input: $input) {
    deal { id title value { amount currencyCode } owner { id } }
    userErrors { field code message }
  }
}
"""


async def test_any_active_user_creates_a_deal_owned_by_themselves(api, factory, sessionmaker):
    acme = await factory.account(currency="USD")
    regular = await factory.user(acme)
    db = Db(sessionmaker)

    data = await api.data(
        CREATE_DEAL, {"input": {"title": " Big one ", "value": "1200.50"}}, token=regular.token
    )

    deal = data["createDeal"]["deal"]
    assert data["createDeal"]["userErrors"] == []
    assert deal["title"] == "Big one"
    assert deal["value"] == {"amount": "1200.50", "currencyCode": "USD"}
    assert deal["owner"] == {"id": regular.gid}
    assert await db.count(Deal, owner_id=regular.id, value=Decimal("1200.50")) == 1
    [event] = await db.audit_details(acme.id, "deal.create")
    assert event["owner"] == regular.gid


async def test_deal_can_be_given_to_another_active_user(api, factory):
    acme = await factory.account()
    regular = await factory.user(acme)

    data = await api.data(
        CREATE_DEAL,
        {"input": {"title": "T", "value": "1", "ownerId": acme.owner.gid}},
        token=regular.token,
    )

    assert data["createDeal"]["deal"]["owner"] == {"id": acme.owner.gid}


async def test_owner_must_be_an_active_user_of_the_account(api, factory):
    acme = await factory.account()
    globex = await factory.account("Globex")
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)

    async def error(owner_id):
        data = await api.data(
            CREATE_DEAL,
            {"input": {"title": "T", "value": "1", "ownerId": owner_id}},
            token=acme.owner.token,
        )
        return data["createDeal"]["userErrors"][0]

    assert (await error(gone.gid))["code"] == "INVALID_STATE"
    assert (await error(globex.owner.gid))["code"] == "NOT_FOUND"
    assert (await error(gid("Deal", 1)))["field"] == ["input", "ownerId"]


@pytest.mark.parametrize(
    ("title", "value", "field"),
    [("", "1", "title"), ("T", "-1", "value"), ("T", "1.001", "value"), ("x" * 301, "1", "title")],
)
async def test_invalid_title_or_value_is_invalid_input(api, factory, title, value, field):
    acme = await factory.account()

    data = await api.data(
        CREATE_DEAL, {"input": {"title": title, "value": value}}, token=acme.owner.token
    )

    assert data["createDeal"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert data["createDeal"]["userErrors"][0]["field"] == ["input", field]
