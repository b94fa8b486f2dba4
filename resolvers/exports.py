"""Exports: the portfolio CSVs (billing, metric) and the account's full export (a zip of CSVs).

Each export is RFC 4180 CSV written by the ``csv`` module (quoted when needed, CRLF line ends), a
header row first, cells formatted by ``resolvers.rules.closures.csv_cell``: ISO dates, exact plain
decimals, text cells escaped against spreadsheet formula injection.

Exports stream (``ExportStream``): rows are read in batches from one read-only snapshot on a
connection of their own (never under the write lock) and encoded as they go, so memory stays
flat. Once every row has been produced, a short write transaction of its own records when the
export was taken (``portfolio_exports`` upserted per kind, ``accounts.full_export_at``) and writes
an audit event: closing checks those times. A download that fails midway records nothing.

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
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

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
from resolvers.accounts.owners import closable_portfolios, may_close_portfolio
from resolvers.context import RequestContext, RequestDatabase, with_write_retry
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


@dataclass
class ExportStream:
    """An export produced while it is sent: ``chunks`` reads a consistent snapshot (a read
    transaction of its own, never the write lock), row batch by row batch, and records the
    export as taken (its own short write transaction) once every row has been produced."""

    filename: str
    content_type: str
    chunks: AsyncGenerator[bytes, None]
    #: Data rows produced so far (final when ``chunks`` is exhausted).
    row_count: int = 0


#: Rows fetched per round trip while streaming: memory stays flat whatever the table size.
STREAM_BATCH_ROWS = 2000
#: Bytes gathered before a chunk is handed to the client.
STREAM_CHUNK_BYTES = 64 * 1024


class _CsvEncoder:
    """RFC 4180 CSV, batch by batch: ``header`` and ``rows`` return the encoded bytes."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def header(self, names: Sequence[str]) -> bytes:
        self._writer.writerow(names)
        return self._take()

    def rows(self, rows: Iterable[Sequence[object]]) -> bytes:
        self._writer.writerows([csv_cell(value) for value in row] for row in rows)
        return self._take()

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8")


@asynccontextmanager
async def _snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One read-only transaction on a connection of its own: every table read through it sees
    the same committed state (REPEATABLE READ on PostgreSQL; on SQLite a read transaction in WAL
    mode is a snapshot too, and takes no write lock)."""
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        async with connection.begin():
            # Both databases fix the snapshot at the first read, not at BEGIN: read now, so
            # writes committed while the first bytes are sent stay out of the export.
            await connection.execute(select(Account.id).limit(1))
            yield connection


async def _stream_rows(
    connection: AsyncConnection, query: Select[Any]
) -> AsyncIterator[Sequence[Row[Any]]]:
    result = await connection.stream(query.execution_options(yield_per=STREAM_BATCH_ROWS))
    async for batch in result.partitions():
        yield batch


async def _collect(export: ExportStream) -> ExportFile:
    content = b"".join([chunk async for chunk in export.chunks])
    return ExportFile(export.filename, export.content_type, export.row_count, content)


async def _record_taken(
    ctx: RequestContext, write: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    """The "export taken" record closures check: its own short write transaction."""
    database = RequestDatabase(ctx.services.sessionmaker)
    # Like every writer: lock the account and re-check the session first (a download racing
    # closeAccount or a logout records nothing), and retry a lost deadlock.
    database.guard_writes(ctx.viewer.account_id, ctx.viewer.session_id)

    async def attempt() -> None:
        async with database.write() as session:
            await write(session)

    try:
        await with_write_retry(database, attempt)
    finally:
        await database.close()


# --- portfolio exports ------------------------------------------------------------------------


async def take_portfolio_export(
    ctx: RequestContext, portfolio_global_id: str, kind: PortfolioExportKind
) -> ExportFile:
    """Build one portfolio CSV and record that it was taken (raises ``BusinessError``)."""
    return await _collect(await open_portfolio_export(ctx, portfolio_global_id, kind))


async def open_portfolio_export(
    ctx: RequestContext, portfolio_global_id: str, kind: PortfolioExportKind
) -> ExportStream:
    """Check the viewer may export the portfolio (raises ``BusinessError``); the CSV streams."""
    async with ctx.db.read() as session:
        portfolio = await _owned_portfolio(session, ctx, portfolio_global_id)
    portfolio_id = portfolio.id
    filename = f"portfolio-{portfolio_id}-{kind.value.lower()}-{ctx.now.date().isoformat()}.csv"
    export = ExportStream(filename, CSV_CONTENT_TYPE, _empty())

    async def chunks() -> AsyncGenerator[bytes, None]:
        encoder = _CsvEncoder()
        billing = kind is PortfolioExportKind.BILLING
        yield encoder.header(BILLING_HEADER if billing else METRIC_HEADER)
        async with _snapshot(ctx.services.engine) as connection:
            query = _billing_query(portfolio_id) if billing else _metric_query(portfolio_id)
            async for batch in _stream_rows(connection, query):
                export.row_count += len(batch)
                yield encoder.rows(batch if billing else [_metric_row(row) for row in batch])

        async def record(session: AsyncSession) -> None:
            await _record_portfolio_export(session, portfolio_id, kind, ctx.viewer.user_id, ctx.now)
            audit.record_for(
                session,
                ctx,
                "portfolio.export",
                encode_global_id("Portfolio", portfolio_id),
                {"kind": kind.value, "rows": export.row_count},
            )

        await _record_taken(ctx, record)

    export.chunks = chunks()
    return export


async def _empty() -> AsyncGenerator[bytes, None]:
    return
    yield b""  # pragma: no cover - makes this an async generator


async def _owned_portfolio(
    session: AsyncSession, ctx: RequestContext, portfolio_global_id: str
) -> Portfolio:
    """Who may close a portfolio may take its exports (closing needs them): its owner, or the
    owner of its account once its owner can no longer sign in."""
    pk = decode_typed_id(portfolio_global_id, "Portfolio")
    query = closable_portfolios(ctx, _visible_portfolios(ctx))
    portfolio = (await session.scalars(query.where(Portfolio.id == (pk or -1)))).first()
    if portfolio is None:
        raise BusinessError.of(ErrorCode.NOT_FOUND, "No portfolio with this id.", ["portfolioId"])
    if not await may_close_portfolio(session, ctx.viewer, portfolio):
        raise BusinessError.of(
            ErrorCode.FORBIDDEN, "Only the portfolio owner can export its data.", ["portfolioId"]
        )
    return portfolio


def _billing_query(portfolio_id: int) -> Select[Any]:
    return (
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


def _metric_query(portfolio_id: int) -> Select[Any]:
    return (
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


def _metric_row(row: Row[Any]) -> tuple[object, ...]:
    account_id, name, day, value = row
    return (encode_global_id("Account", account_id), name, day, value)


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


def open_account_export(ctx: RequestContext) -> ExportStream:
    """The account's zip, streamed (admins only: raises ``BusinessError`` at once otherwise)."""
    viewer = ctx.viewer
    if not viewer.is_admin:
        raise BusinessError.of(ErrorCode.FORBIDDEN, "Only account admins can export the account.")
    filename = f"account-{viewer.account_id}-export-{ctx.now.date().isoformat()}.zip"
    export = ExportStream(filename, ZIP_CONTENT_TYPE, _empty(), len(ACCOUNT_EXPORT_TABLES))
    export.chunks = _account_zip_chunks(ctx, viewer.account_id)
    return export


async def _account_zip_chunks(ctx: RequestContext, account_id: int) -> AsyncGenerator[bytes, None]:
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        async with _snapshot(ctx.services.engine) as connection:
            for table in _account_export_tables():
                name = _ENTITY_FILE_NAMES.get(table.name, table.name)
                # force_zip64: the size is not known before the entry is written.
                with bundle.open(f"{name}.csv", "w", force_zip64=True) as entry:
                    async for piece in _table_csv(connection, table, account_id):
                        entry.write(piece)
                        if sink.size >= STREAM_CHUNK_BYTES:
                            yield sink.take()

    yield sink.take()  # the rest, with the zip's central directory

    # Run only when the consumer asks for more after the last chunk, i.e. once it has been sent:
    # a download that breaks off before its end records nothing.
    async def record(session: AsyncSession) -> None:
        await session.execute(
            update(Account).where(Account.id == account_id).values(full_export_at=ctx.now)
        )
        audit.record_for(session, ctx, "account.export", encode_global_id("Account", account_id))

    await _record_taken(ctx, record)
    ctx.memo.pop("account", None)


class _ChunkSink(io.RawIOBase):
    """A write-only, unseekable file for ``zipfile``: bytes wait here until they are sent."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


def _account_export_tables() -> list[Table]:
    tables = Base.metadata.tables
    return [tables[name] for name in ACCOUNT_EXPORT_TABLES]


async def _table_csv(
    connection: AsyncConnection, table: Table, account_id: int
) -> AsyncIterator[bytes]:
    excluded = ACCOUNT_EXPORT_TABLES[table.name]
    columns = [column for column in table.columns if column.name not in excluded]
    query = select(*columns).where(table.c.account_id == account_id).order_by(table.c.id)
    encoder = _CsvEncoder()
    yield encoder.header([column.name for column in columns])
    async for batch in _stream_rows(connection, query):
        yield encoder.rows(batch)
