"""Closing a whole account: owner only, name typed back, export first, then nothing remains."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db import models
from db.enums import ClosureKind, PortfolioLinkStatus, Role
from resolvers.accounts.closure import ACCOUNT_TABLES_IN_DELETE_ORDER
from resolvers.ids import encode_global_id
from tests.accounts.helpers import (
    CLOSE_ACCOUNT,
    LOGIN,
    account_tables,
    full_account,
    rows_per_table,
)
from tests.factories import PASSWORD


def close_input(confirm: str = "Acme Corp", **extra: object) -> dict[str, object]:
    return {"input": {"confirmName": confirm, **extra}}


async def close(api, token, **extra):
    data = await api.data(CLOSE_ACCOUNT, close_input(**extra), token=token)
    return data["closeAccount"]


async def download_export(api, token) -> None:
    response = await api.http.get(
        "/exports/account.zip", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text


def only_error(payload) -> dict[str, object]:
    assert payload["closedAccountId"] is None
    [error] = payload["userErrors"]
    return {"code": error["code"], "field": error["field"]}


def test_delete_order_covers_every_table_with_an_account_id():
    ordered = {model.__tablename__ for model in ACCOUNT_TABLES_IN_DELETE_ORDER}
    assert ordered == {table.name for table in account_tables()}


async def test_closing_deletes_every_row_of_the_account(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    portfolio_id = await factory.portfolio(
        acme.account.owner,
        [acme.account],
        metric_points=[(acme.account, 1, Decimal("3.0000"))],
        billing_rows=[("Plan", Decimal("10.00"))],
    )
    async with sessionmaker.begin() as session:
        session.add(
            models.PortfolioLinkRequest(
                portfolio_id=portfolio_id,
                account_id=acme.account.id,
                requested_by_user_id=acme.account.owner.id,
                status=PortfolioLinkStatus.DECLINED,
                created_at=factory.now,
            )
        )
    await download_export(api, acme.account.owner.token)
    before = await rows_per_table(sessionmaker, acme.account.id)
    assert all(before.values()), before  # the test is only as good as the data it starts with

    payload = await close(api, acme.account.owner.token, reason="Moving to another CRM")

    assert payload == {"closedAccountId": acme.account.gid, "userErrors": []}
    counts = await rows_per_table(sessionmaker, acme.account.id)
    assert {name: n for name, n in counts.items() if n} == {}


async def test_other_accounts_are_untouched(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    globex = await full_account(factory, "Globex")
    before = await rows_per_table(sessionmaker, globex.account.id)

    await close(api, acme.account.owner.token, acknowledgeDataLoss=True)

    assert await rows_per_table(sessionmaker, globex.account.id) == before
    assert await api.data("{ viewer { id } }", token=globex.seller.token) == {
        "viewer": {"id": globex.seller.gid}
    }


async def test_closure_record_remains(api, factory, sessionmaker, clock):
    acme = await full_account(factory, "Acme Corp")

    await close(api, acme.account.owner.token, acknowledgeDataLoss=True, reason="  Too costly ")

    async with sessionmaker() as session:
        record = (await session.scalars(select(models.ClosureRecord))).one()
    assert record.kind is ClosureKind.ACCOUNT
    assert record.closed_account_id == acme.account.id
    assert record.closed_subject_id == acme.account.id
    assert record.closed_by_user_id == acme.account.owner.id
    assert record.reason == "Too costly"
    assert record.closed_at == clock.now()


async def test_every_session_ends_and_nobody_can_log_in_again(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")

    await close(api, acme.account.owner.token, acknowledgeDataLoss=True)

    for user in (acme.account.owner, acme.admin, acme.seller):
        assert await api.error_codes("{ viewer { id } }", token=user.token) == ["UNAUTHENTICATED"]
        data = await api.data(LOGIN, {"email": user.email, "password": PASSWORD})
        assert data["login"]["token"] is None
        assert [e["code"] for e in data["login"]["userErrors"]] == ["UNAUTHENTICATED"]
    async with sessionmaker() as session:
        user_ids = [u.id for u in acme.account.users]
        sessions = await session.scalar(
            select(func.count()).where(models.AuthSession.user_id.in_(user_ids))
        )
    assert sessions == 0


async def test_a_portfolio_the_account_owns_is_deleted_with_it(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    globex = await full_account(factory, "Globex")
    portfolio_id = await factory.portfolio(
        acme.account.owner,
        [globex.account],
        metric_points=[(globex.account, 1, Decimal("5.0000"))],
        billing_rows=[("Plan", Decimal("10.00"))],
    )
    globex_before = await rows_per_table(sessionmaker, globex.account.id)

    await close(api, acme.account.owner.token, acknowledgeDataLoss=True)

    async with sessionmaker() as session:
        for model in (models.PortfolioBillingRow, models.PortfolioExport):
            left = await session.scalar(
                select(func.count()).where(model.portfolio_id == portfolio_id)
            )
            assert left == 0
        assert await session.get(models.Portfolio, portfolio_id) is None
    globex_after = await rows_per_table(sessionmaker, globex.account.id)
    # Globex only lost its link and the metric point about it; everything else stays.
    assert globex_before["portfolio_accounts"] == 1
    assert globex_after == {
        **globex_before,
        "portfolio_accounts": 0,
        "portfolio_metric_points": 0,
    }


async def test_the_account_leaves_another_owners_portfolio(api, factory, sessionmaker, clock):
    acme = await full_account(factory, "Acme Corp")
    globex = await full_account(factory, "Globex")
    portfolio_id = await factory.portfolio(
        globex.account.owner,
        [acme.account, globex.account],
        metric_points=[
            (acme.account, 1, Decimal("1.0000")),
            (globex.account, 1, Decimal("2.0000")),
        ],
    )
    clock.advance(timedelta(hours=1))

    await close(api, acme.account.owner.token, acknowledgeDataLoss=True)

    async with sessionmaker() as session:
        portfolio = await session.get(models.Portfolio, portfolio_id)
        links = (
            await session.scalars(
                select(models.PortfolioAccount.account_id).where(
                    models.PortfolioAccount.portfolio_id == portfolio_id
                )
            )
        ).all()
        points = (
            await session.scalars(
                select(models.PortfolioMetricPoint.account_id).where(
                    models.PortfolioMetricPoint.portfolio_id == portfolio_id
                )
            )
        ).all()
    assert portfolio is not None
    assert links == [globex.account.id]
    assert points == [globex.account.id]
    # Its metric data changed, so an earlier metric export no longer counts.
    assert portfolio.metric_changed_at == clock.now()


# --- what closing needs -----------------------------------------------------------------------


async def assert_nothing_changed(sessionmaker, acme, before) -> None:
    assert await rows_per_table(sessionmaker, acme.account.id) == before
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(models.ClosureRecord)) == 0


async def test_closing_without_a_full_export_requires_one(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    before = await rows_per_table(sessionmaker, acme.account.id)

    payload = await close(api, acme.account.owner.token)

    assert only_error(payload) == {
        "code": "EXPORT_REQUIRED",
        "field": ["input", "acknowledgeDataLoss"],
    }
    await assert_nothing_changed(sessionmaker, acme, before)


async def test_full_export_download_allows_closing(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    await download_export(api, acme.admin.token)  # any admin may take it

    payload = await close(api, acme.account.owner.token)

    assert payload["closedAccountId"] == acme.account.gid


@pytest.mark.parametrize("typed", ["Acme", "", "   ", "Acme Corp Inc"])
async def test_name_mismatch_changes_nothing(api, factory, sessionmaker, typed):
    acme = await full_account(factory, "Acme Corp")
    before = await rows_per_table(sessionmaker, acme.account.id)

    data = await api.data(
        CLOSE_ACCOUNT,
        close_input(typed, acknowledgeDataLoss=True),
        token=acme.account.owner.token,
    )

    assert only_error(data["closeAccount"]) == {
        "code": "CONFIRMATION_MISMATCH",
        "field": ["input", "confirmName"],
    }
    await assert_nothing_changed(sessionmaker, acme, before)


async def test_name_is_compared_case_insensitively_after_trimming(api, factory):
    acme = await full_account(factory, "Acme Corp")
    data = await api.data(
        CLOSE_ACCOUNT,
        close_input("  ACME corp ", acknowledgeDataLoss=True),
        token=acme.account.owner.token,
    )
    assert data["closeAccount"]["closedAccountId"] == acme.account.gid


async def test_only_the_account_owner_can_close_it(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    before = await rows_per_table(sessionmaker, acme.account.id)

    for user in (acme.admin, acme.seller):
        payload = await close(api, user.token, acknowledgeDataLoss=True)
        assert only_error(payload)["code"] == "FORBIDDEN"
    await assert_nothing_changed(sessionmaker, acme, before)


async def test_a_reason_longer_than_64_characters_is_invalid(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")
    before = await rows_per_table(sessionmaker, acme.account.id)

    payload = await close(api, acme.account.owner.token, acknowledgeDataLoss=True, reason="r" * 65)

    assert only_error(payload) == {"code": "INVALID_INPUT", "field": ["input", "reason"]}
    await assert_nothing_changed(sessionmaker, acme, before)


async def test_a_new_owner_can_close_after_a_transfer(api, factory):
    acme = await full_account(factory, "Acme Corp")
    heir = await factory.user(acme.account, role=Role.ADMIN)
    await api.data(
        "mutation($to: ID!) { transferAccountOwnership(input: {toUserId: $to}) "
        "{ userErrors { code } } }",
        {"to": heir.gid},
        token=acme.account.owner.token,
    )

    old = await close(api, acme.account.owner.token, acknowledgeDataLoss=True)
    new = await close(api, heir.token, acknowledgeDataLoss=True)

    assert only_error(old)["code"] == "FORBIDDEN"
    assert new["closedAccountId"] == encode_global_id("Account", acme.account.id)


async def test_closing_needs_a_token(api, factory):
    await full_account(factory, "Acme Corp")
    assert await api.error_codes(CLOSE_ACCOUNT, close_input()) == ["UNAUTHENTICATED"]
