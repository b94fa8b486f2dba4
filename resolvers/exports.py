"""Exports: the portfolio CSVs (billing, metric) and the account's full export (a zip of CSVs).

Each export is RFC 4180 CSV written by the ``csv`` module (quoted when needed, CRLF line ends), a
header row first, cells formatted by ``resolvers.rules.closures.csv_cell``: ISO dates, exact plain
decimals, text cells escaped against spreadsheet formula injection.

Taking an export records when it was taken (``portfolio_exports`` upserted per kind,
``accounts.full_export_at``) and writes an audit event: closing checks those times.

Rules written down:
- Only the portfolio owner may export a portfolio; a viewer who sees the portfolio (their account
  is linked) gets ``FORBIDDEN``; an unknown or invisible portfolio is ``NOT_FOUND``.
- Only admins may take the account's full export (it holds every user and billing record).
- The full export holds one CSV per entity of the account: the tables in ``ACCOUNT_EXPORT_TABLES``.
  Left out on purpose: password hashes, sessions (token hashes) and idempotency records (an
  internal replay cache).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import PortfolioExportKind
from db.models import (
    Account,
    Base,
    Portfolio,
    PortfolioBillingRow,
    PortfolioExport,
    PortfolioMetricPoint,
)
from resolvers import audit
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.portfolios import _visible_portfolios
from resolvers.rules.closures import csv_cell

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
ZIP_CONTENT_TYPE = "application/zip"

#: Table name -> columns never exported.
ACCOUNT_EXPORT_TABLES: dict[str, frozenset[str]] = {
    "users": frozenset({"password_hash"}),
    "seats": frozenset(),
    "subscriptions": frozenset(),
    "contact_tiers": frozenset(),
    "contact_source_defaults": frozenset(),
    "billing_ledger": frozenset(),
    "contacts": frozenset(),
    "deals": frozenset(),
    "leads": frozenset(),
    "organizations": frozenset(),
    "activities": frozenset(),
    "notifications": frozenset(),
    "audit_events": frozenset(),
}

#: Entity file names inside the zip (``subscription.csv`` reads better than the table name).
_ENTITY_FILE_NAMES = {"subscriptions": "subscription"}

BILLING_HEADER = ("description", "amount", "currency", "period_start", "period_end", "created_at")
METRIC_HEADER = ("account_id", "account_name", "date", "value")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    row_count: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[str, int]:
    """RFC 4180 CSV text with a header row, and the number of data rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return buffer.getvalue(), count


# --- portfolio exports ------------------------------------------------------------------------


async def take_portfolio_export(
    ctx: RequestContext, portfolio_global_id: str, kind: PortfolioExportKind
) -> ExportFile:
    """Build one portfolio CSV and record that it was taken (raises ``BusinessError``)."""
    viewer = ctx.viewer
    async with ctx.db.write() as session:
        portfolio = await _owned_portfolio(session, ctx, portfolio_global_id)
        if kind is PortfolioExportKind.BILLING:
            text, count = write_csv(BILLING_HEADER, await _billing_rows(session, portfolio.id))
        else:
            text, count = write_csv(METRIC_HEADER, await _metric_rows(session, portfolio.id))
        await _record_portfolio_export(session, portfolio.id, kind, viewer.user_id, ctx.now)
        audit.record_for(
            session,
            ctx,
            "portfolio.export",
            encode_global_id("Portfolio", portfolio.id),
            {"kind": kind.value, "rows": count},
        )
    filename = f"portfolio-{portfolio.id}-{kind.value.lower()}-{ctx.now.date().isoformat()}.csv"
    return ExportFile(filename, CSV_CONTENT_TYPE, count, text.encode("utf-8"))


async def _owned_portfolio(
    session: AsyncSession, ctx: RequestContext, portfolio_global_id: str
) -> Portfolio:
    pk = decode_typed_id(portfolio_global_id, "Portfolio")
    query = _visible_portfolios(ctx).where(Portfolio.id == (pk if pk is not None else -1))
    portfolio = (await session.scalars(query)).first()
    if portfolio is None:
        raise BusinessError.of(ErrorCode.NOT_FOUND, "No portfolio with this id.", ["portfolioId"])
    if portfolio.owner_user_id != ctx.viewer.user_id:
        raise BusinessError.of(
            ErrorCode.FORBIDDEN, "Only the portfolio owner can export its data.", ["portfolioId"]
        )
    return portfolio


async def _billing_rows(session: AsyncSession, portfolio_id: int) -> list[tuple[object, ...]]:
    query = (
        select(
            PortfolioBillingRow.description,
            PortfolioBillingRow.amount,
            PortfolioBillingRow.currency,
            PortfolioBillingRow.period_start,
            PortfolioBillingRow.period_end,
            PortfolioBillingRow.created_at,
        )
        .where(PortfolioBillingRow.portfolio_id == portfolio_id)
        .order_by(PortfolioBillingRow.period_start, PortfolioBillingRow.id)
    )
    return [tuple(row) for row in (await session.execute(query)).all()]


async def _metric_rows(session: AsyncSession, portfolio_id: int) -> list[tuple[object, ...]]:
    query = (
        select(
            PortfolioMetricPoint.account_id,
            Account.name,
            PortfolioMetricPoint.date,
            PortfolioMetricPoint.value,
        )
        .join(Account, Account.id == PortfolioMetricPoint.account_id)
        .where(PortfolioMetricPoint.portfolio_id == portfolio_id)
        .order_by(
            PortfolioMetricPoint.date, PortfolioMetricPoint.account_id, PortfolioMetricPoint.id
        )
    )
    return [
        (encode_global_id("Account", account_id), name, day, value)
        for account_id, name, day, value in (await session.execute(query)).all()
    ]


async def _record_portfolio_export(
    session: AsyncSession,
    portfolio_id: int,
    kind: PortfolioExportKind,
    user_id: int,
    now: datetime,
) -> None:
    """Upsert the (portfolio, kind) export time: one statement, safe under concurrent exports."""
    values = {
        "portfolio_id": portfolio_id,
        "kind": kind,
        "exported_at": now,
        "exported_by_user_id": user_id,
    }
    changes = {"exported_at": now, "exported_by_user_id": user_id}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = pg_insert(PortfolioExport).values(values)
        await session.execute(
            pg.on_conflict_do_update(index_elements=["portfolio_id", "kind"], set_=changes)
        )
    else:
        lite = sqlite_insert(PortfolioExport).values(values)
        await session.execute(
            lite.on_conflict_do_update(index_elements=["portfolio_id", "kind"], set_=changes)
        )


# --- the account's full export ----------------------------------------------------------------


async def take_account_export(ctx: RequestContext) -> ExportFile:
    """Every entity of the viewer's account as one zip of CSVs; records ``full_export_at``."""
    viewer = ctx.viewer
    if not viewer.is_admin:
        raise BusinessError.of(ErrorCode.FORBIDDEN, "Only account admins can export the account.")
    archive = io.BytesIO()
    async with ctx.db.write() as session:
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for table in _account_export_tables():
                text, _count = await _table_csv(session, table, viewer.account_id)
                name = _ENTITY_FILE_NAMES.get(table.name, table.name)
                bundle.writestr(f"{name}.csv", text)
        await session.execute(
            update(Account).where(Account.id == viewer.account_id).values(full_export_at=ctx.now)
        )
        audit.record_for(
            session, ctx, "account.export", encode_global_id("Account", viewer.account_id)
        )
    ctx.memo.pop("account", None)
    content = archive.getvalue()
    filename = f"account-{viewer.account_id}-export-{ctx.now.date().isoformat()}.zip"
    return ExportFile(filename, ZIP_CONTENT_TYPE, len(ACCOUNT_EXPORT_TABLES), content)


def _account_export_tables() -> list[Table]:
    tables = Base.metadata.tables
    return [tables[name] for name in ACCOUNT_EXPORT_TABLES]


async def _table_csv(session: AsyncSession, table: Table, account_id: int) -> tuple[str, int]:
    excluded = ACCOUNT_EXPORT_TABLES[table.name]
    columns = [column for column in table.columns if column.name not in excluded]
    query = select(*columns).where(table.c.account_id == account_id).order_by(table.c.id)
    result = await session.execute(query)
    return write_csv([column.name for column in columns], result.all())
