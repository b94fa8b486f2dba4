"""Closing a portfolio: who may, what it needs, and what it leaves behind (checked in the DB)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.enums import ClosureKind, Role
from db.models import (
    Account,
    AuditEvent,
    AuthSession,
    ClosureRecord,
    Contact,
    Deal,
    Portfolio,
    PortfolioAccount,
    PortfolioBillingRow,
    PortfolioExport,
    PortfolioMetricPoint,
    User,
)
from resolvers.ids import encode_global_id
from tests.portfolios.helpers import CLOSE, close_input, portfolio_world, take_both_exports

PORTFOLIO_TABLES = (
    Portfolio,
    PortfolioAccount,
    PortfolioMetricPoint,
    PortfolioBillingRow,
    PortfolioExport,
)


async def count(session, model, *where) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


def _portfolio_key(model):
    table = model.__table__
    return table.c.id if model is Portfolio else table.c.portfolio_id


async def portfolio_rows(sessionmaker, portfolio_id: int) -> dict[str, int]:
    """Rows of one portfolio, per table."""
    async with sessionmaker() as session:
        return {
            m.__tablename__: await count(session, m, _portfolio_key(m) == portfolio_id)
            for m in PORTFOLIO_TABLES
        }


async def close(api, world, **overrides):
    data = await api.data(CLOSE, close_input(world, **overrides), token=world.owner_token)
    return data["closePortfolio"]


async def test_closing_deletes_portfolio_data_and_disconnects_accounts(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    await take_both_exports(api, world)

    payload = await close(api, world, reason="HARD_TO_USE", details="Charts are confusing")

    assert payload == {
        "closedPortfolioId": world.gid,
        "disconnectedAccountIds": [world.north.gid, world.south.gid],
        "reasonCategory": "PROBLEM",
        "userErrors": [],
    }
    assert await portfolio_rows(sessionmaker, world.portfolio_id) == dict.fromkeys(
        (m.__tablename__ for m in PORTFOLIO_TABLES), 0
    )


async def test_linked_accounts_keep_all_their_users_contacts_and_deals(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    await take_both_exports(api, world)

    await close(api, world)

    async with sessionmaker() as session:
        for branch in (world.north, world.south):
            assert await count(session, Account, Account.id == branch.id) == 1
            assert await count(session, User, User.account_id == branch.id) == 2
            assert await count(session, Contact, Contact.account_id == branch.id) == 3
            assert await count(session, Deal, Deal.account_id == branch.id) == 2
            live = await count(
                session,
                AuthSession,
                AuthSession.account_id == branch.id,
                AuthSession.revoked_at.is_(None),
            )
            assert live == 2


async def test_closing_logs_the_owner_out_everywhere(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    second = await factory.user(world.home)  # a colleague in the owner's account stays logged in
    await take_both_exports(api, world)

    await close(api, world)

    assert await api.error_codes("{ viewer { id } }", token=world.owner_token) == [
        "UNAUTHENTICATED"
    ]
    assert await api.data("{ viewer { id } }", token=second.token) == {"viewer": {"id": second.gid}}
    async with sessionmaker() as session:
        live = await count(
            session,
            AuthSession,
            AuthSession.user_id == world.home.owner.id,
            AuthSession.revoked_at.is_(None),
        )
    assert live == 0


async def test_closure_record_keeps_reason_category_details_and_time(
    api, factory, sessionmaker, clock
):
    world = await portfolio_world(factory)
    await take_both_exports(api, world)

    await close(api, world, reason="MISSING_FEATURES", details="  No forecasts  ")

    async with sessionmaker() as session:
        record = (await session.scalars(select(ClosureRecord))).one()
    assert record.kind is ClosureKind.PORTFOLIO
    assert record.closed_subject_id == world.portfolio_id
    assert record.closed_account_id is None
    assert record.closed_by_user_id == world.home.owner.id
    assert (record.reason, record.reason_category) == ("MISSING_FEATURES", "PROBLEM")
    assert record.details == "No forecasts"
    assert record.closed_at == clock.now()


async def test_closing_writes_an_audit_event(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    await take_both_exports(api, world)

    await close(api, world, reason="TESTING")

    async with sessionmaker() as session:
        event = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "portfolio.close"))
        ).one()
    assert event.account_id == world.home.id
    assert event.actor_user_id == world.home.owner.id
    assert event.target_id == world.gid
    details = json.loads(event.details)
    assert details["reason_category"] == "OTHER"
    assert details["metric_points_deleted"] == 3
    assert details["billing_rows_deleted"] == 2


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        ("CONSOLIDATING_PORTFOLIOS", "CONSOLIDATION"),
        ("BUGS", "PROBLEM"),
        ("NO_LONGER_NEEDED", "OTHER"),
    ],
)
async def test_payload_carries_the_reason_category(api, factory, reason, category):
    world = await portfolio_world(factory)
    payload = await close(api, world, reason=reason, acknowledgeDataLoss=True)
    assert payload["reasonCategory"] == category


async def test_confirmation_is_case_insensitive_and_trimmed(api, factory):
    world = await portfolio_world(factory)
    payload = await close(api, world, confirmName="  northWIND group ", acknowledgeDataLoss=True)
    assert payload["userErrors"] == []
    assert payload["closedPortfolioId"] == world.gid


# --- refusals: each changes nothing -----------------------------------------------------------


async def assert_nothing_changed(api, world, sessionmaker) -> None:
    assert await portfolio_rows(sessionmaker, world.portfolio_id) == {
        "portfolios": 1,
        "portfolio_accounts": 2,
        "portfolio_metric_points": 3,
        "portfolio_billing_rows": 2,
        "portfolio_exports": await _exports(sessionmaker),
    }
    async with sessionmaker() as session:
        assert await count(session, ClosureRecord) == 0
        assert await count(session, AuditEvent, AuditEvent.action == "portfolio.close") == 0
    assert await api.data("{ viewer { id } }", token=world.owner_token)


async def _exports(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await count(session, PortfolioExport)


def only_error(payload) -> dict[str, object]:
    assert payload["closedPortfolioId"] is None
    assert payload["disconnectedAccountIds"] is None
    assert payload["reasonCategory"] is None
    [error] = payload["userErrors"]
    return {"code": error["code"], "field": error["field"]}


@pytest.mark.parametrize("typed", ["Northwind", "", "   ", "Northwind Group Ltd"])
async def test_confirmation_mismatch_changes_nothing(api, factory, sessionmaker, typed):
    world = await portfolio_world(factory)
    await take_both_exports(api, world)

    payload = await close(api, world, confirmName=typed)

    assert only_error(payload) == {
        "code": "CONFIRMATION_MISMATCH",
        "field": ["input", "confirmName"],
    }
    await assert_nothing_changed(api, world, sessionmaker)


async def test_closing_without_exports_requires_them(api, factory, sessionmaker):
    world = await portfolio_world(factory)

    payload = await close(api, world)

    assert only_error(payload) == {
        "code": "EXPORT_REQUIRED",
        "field": ["input", "acknowledgeDataLoss"],
    }
    await assert_nothing_changed(api, world, sessionmaker)


async def test_one_export_is_not_enough(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    await api.data(
        "query($id: ID!) { portfolioExport(portfolioId: $id, kind: BILLING) { rowCount } }",
        {"id": world.gid},
        token=world.owner_token,
    )

    payload = await close(api, world)

    assert only_error(payload)["code"] == "EXPORT_REQUIRED"
    assert "metric" in payload["userErrors"][0]["message"]


async def test_export_taken_before_the_data_changed_is_stale(api, factory, sessionmaker, clock):
    world = await portfolio_world(factory)
    await take_both_exports(api, world)
    clock.advance(timedelta(minutes=5))
    async with sessionmaker.begin() as session:
        portfolio = await session.get(Portfolio, world.portfolio_id)
        portfolio.billing_changed_at = clock.now()

    payload = await close(api, world)

    assert only_error(payload)["code"] == "EXPORT_REQUIRED"
    assert "billing" in payload["userErrors"][0]["message"]
    await assert_nothing_changed(api, world, sessionmaker)


async def test_acknowledging_data_loss_closes_without_exports(api, factory, sessionmaker):
    world = await portfolio_world(factory)

    payload = await close(api, world, acknowledgeDataLoss=True)

    assert payload["closedPortfolioId"] == world.gid
    async with sessionmaker() as session:
        assert await count(session, Portfolio) == 0


async def test_only_the_portfolio_owner_can_close_it(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    await take_both_exports(api, world)

    data = await api.data(
        CLOSE, close_input(world, acknowledgeDataLoss=True), token=world.north.owner.token
    )

    assert only_error(data["closePortfolio"]) == {
        "code": "FORBIDDEN",
        "field": ["input", "portfolioId"],
    }
    await assert_nothing_changed(api, world, sessionmaker)


async def test_an_admin_colleague_of_the_owner_cannot_close_it(api, factory, sessionmaker):
    # The owner's account is not linked, so a colleague does not even see the portfolio.
    world = await portfolio_world(factory)
    colleague = await factory.user(world.home, role=Role.ADMIN)

    data = await api.data(
        CLOSE, close_input(world, acknowledgeDataLoss=True), token=colleague.token
    )

    assert only_error(data["closePortfolio"])["code"] == "NOT_FOUND"
    await assert_nothing_changed(api, world, sessionmaker)


async def test_unknown_or_foreign_portfolio_is_not_found(api, factory, sessionmaker):
    world = await portfolio_world(factory)
    other = await factory.account("Elsewhere Inc")
    own_other = await factory.portfolio(other.owner, name="Elsewhere Group")
    cases = [
        (world.gid, other.owner.token),  # another account's portfolio
        (encode_global_id("Portfolio", world.portfolio_id + own_other + 1000), world.owner_token),
        (encode_global_id("Account", world.home.id), world.owner_token),
        ("garbage", world.owner_token),
    ]
    for portfolio_id, token in cases:
        data = await api.data(
            CLOSE,
            close_input(world, portfolioId=portfolio_id, acknowledgeDataLoss=True),
            token=token,
        )
        assert only_error(data["closePortfolio"]) == {
            "code": "NOT_FOUND",
            "field": ["input", "portfolioId"],
        }, portfolio_id
    await assert_nothing_changed(api, world, sessionmaker)


async def test_details_longer_than_2000_characters_are_invalid(api, factory, sessionmaker):
    world = await portfolio_world(factory)

    payload = await close(api, world, details="x" * 2001, acknowledgeDataLoss=True)

    assert only_error(payload) == {"code": "INVALID_INPUT", "field": ["input", "details"]}
    await assert_nothing_changed(api, world, sessionmaker)


async def test_details_of_exactly_2000_characters_are_kept(api, factory, sessionmaker):
    world = await portfolio_world(factory)

    payload = await close(api, world, details="y" * 2000, acknowledgeDataLoss=True)

    assert payload["userErrors"] == []
    async with sessionmaker() as session:
        record = (await session.scalars(select(ClosureRecord))).one()
    assert record.details == "y" * 2000


async def test_unknown_reason_is_a_malformed_request(api, factory):
    world = await portfolio_world(factory)
    codes = await api.error_codes(
        CLOSE, close_input(world, reason="BORED"), token=world.owner_token
    )
    assert codes == ["BAD_REQUEST"]


async def test_closing_needs_a_token(api, factory):
    world = await portfolio_world(factory)
    assert await api.error_codes(CLOSE, close_input(world)) == ["UNAUTHENTICATED"]
