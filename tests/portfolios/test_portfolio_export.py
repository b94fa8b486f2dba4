"""Portfolio exports: proper CSV, recorded when taken, owner only, also as an HTTP download."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from db.enums import PortfolioExportKind
from db.models import AuditEvent, PortfolioExport
from resolvers.ids import encode_global_id
from tests.portfolios.helpers import EXPORT, portfolio_world


def parse(content: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content, newline="")))


async def test_billing_export_is_rfc4180_csv_with_header_iso_dates_and_exact_decimals(api, factory):
    world = await portfolio_world(factory)

    data = await api.data(EXPORT, {"id": world.gid, "kind": "BILLING"}, token=world.owner_token)

    export = data["portfolioExport"]
    assert export["contentType"] == "text/csv; charset=utf-8"
    assert export["filename"] == f"portfolio-{world.portfolio_id}-billing-2026-03-15.csv"
    assert export["rowCount"] == 2
    assert export["content"].endswith("\r\n")
    rows = parse(export["content"])
    assert rows[0] == [
        "description",
        "amount",
        "currency",
        "period_start",
        "period_end",
        "created_at",
    ]
    assert rows[1] == [
        "Portfolio plan",
        "99.00",
        "EUR",
        "2026-03-01",
        "2026-03-28",
        "2026-03-14T12:00:00+00:00",
    ]


async def test_formula_text_is_quoted_but_negative_amounts_stay_numbers(api, factory):
    world = await portfolio_world(factory)

    data = await api.data(EXPORT, {"id": world.gid, "kind": "BILLING"}, token=world.owner_token)

    content = data["portfolioExport"]["content"]
    row = parse(content)[2]
    assert row[0] == '\'=HYPERLINK("http://evil")'
    assert row[1] == "-10.00"
    # RFC 4180: a field with quotes is quoted and its quotes doubled.
    assert '"\'=HYPERLINK(""http://evil"")"' in content


async def test_metric_export_lists_points_per_account_and_date(api, factory):
    world = await portfolio_world(factory)

    data = await api.data(EXPORT, {"id": world.gid, "kind": "METRIC"}, token=world.owner_token)

    export = data["portfolioExport"]
    assert export["rowCount"] == 3
    assert parse(export["content"]) == [
        ["account_id", "account_name", "date", "value"],
        [world.north.gid, "North Branch", "2026-03-13", "1250.5000"],
        [world.south.gid, "South Branch", "2026-03-13", "-40.2500"],
        [world.north.gid, "North Branch", "2026-03-14", "1300.0000"],
    ]


async def test_export_records_when_it_was_taken_once_per_kind(api, factory, sessionmaker, clock):
    world = await portfolio_world(factory)
    await api.data(EXPORT, {"id": world.gid, "kind": "METRIC"}, token=world.owner_token)
    clock.advance(timedelta(hours=2))

    await api.data(EXPORT, {"id": world.gid, "kind": "METRIC"}, token=world.owner_token)

    async with sessionmaker() as session:
        rows = (await session.scalars(select(PortfolioExport))).all()
        audits = await session.scalar(
            select(func.count()).where(AuditEvent.action == "portfolio.export")
        )
    assert [(r.kind, r.exported_at, r.exported_by_user_id) for r in rows] == [
        (PortfolioExportKind.METRIC, clock.now(), world.home.owner.id)
    ]
    assert audits == 2


async def test_only_the_portfolio_owner_may_export(api, factory, sessionmaker):
    world = await portfolio_world(factory)

    codes = await api.error_codes(
        EXPORT, {"id": world.gid, "kind": "BILLING"}, token=world.north.owner.token
    )

    assert codes == ["FORBIDDEN"]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PortfolioExport)) == 0


async def test_export_of_an_unknown_or_foreign_portfolio_is_not_found(api, factory):
    world = await portfolio_world(factory)
    other = await factory.account("Elsewhere Inc")
    ids = [
        world.gid,  # exists, but not visible to ``other``
        encode_global_id("Portfolio", world.portfolio_id + 1000),
        encode_global_id("User", world.home.owner.id),
        "not-an-id",
    ]
    for portfolio_id in ids:
        codes = await api.error_codes(
            EXPORT, {"id": portfolio_id, "kind": "METRIC"}, token=other.owner.token
        )
        assert codes == ["NOT_FOUND"], portfolio_id


async def test_export_needs_a_token(api, factory):
    world = await portfolio_world(factory)
    assert await api.error_codes(EXPORT, {"id": world.gid, "kind": "METRIC"}) == ["UNAUTHENTICATED"]


# --- HTTP downloads ---------------------------------------------------------------------------


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


async def test_owner_downloads_the_csv_as_an_attachment(api, factory, sessionmaker):
    world = await portfolio_world(factory)

    response = await api.http.get(
        f"/exports/portfolios/{world.gid}/billing.csv", headers=auth(world.owner_token)
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="portfolio-{world.portfolio_id}-billing-2026-03-15.csv"'
    )
    assert parse(response.text)[1][0] == "Portfolio plan"
    async with sessionmaker() as session:
        kinds = (await session.scalars(select(PortfolioExport.kind))).all()
    assert kinds == [PortfolioExportKind.BILLING]


async def test_download_without_a_valid_token_is_401_json(api, factory):
    world = await portfolio_world(factory)
    for headers in ({}, auth("not-a-token")):
        response = await api.http.get(
            f"/exports/portfolios/{world.gid}/metric.csv", headers=headers
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_download_of_an_unknown_or_foreign_portfolio_is_404(api, factory):
    world = await portfolio_world(factory)
    other = await factory.account("Elsewhere Inc")
    unknown = encode_global_id("Portfolio", world.portfolio_id + 1000)
    cases = [
        (f"/exports/portfolios/{world.gid}/metric.csv", other.owner.token),
        (f"/exports/portfolios/{unknown}/metric.csv", world.owner_token),
        (f"/exports/portfolios/{world.gid}/ledger.csv", world.owner_token),
    ]
    for path, token in cases:
        response = await api.http.get(path, headers=auth(token))
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_download_by_a_linked_account_user_is_403(api, factory):
    world = await portfolio_world(factory)
    response = await api.http.get(
        f"/exports/portfolios/{world.gid}/metric.csv", headers=auth(world.north.owner.token)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


async def test_a_head_request_counts_as_no_download(api, factory, sessionmaker):
    world = await portfolio_world(factory)

    for kind in ("billing", "metric"):
        response = await api.http.head(
            f"/exports/portfolios/{world.gid}/{kind}.csv", headers=auth(world.owner_token)
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content == b""

    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PortfolioExport)) == 0
