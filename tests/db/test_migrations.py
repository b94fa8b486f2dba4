"""The migration builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from db.models import Base, Deal
from db.types import ScaledDecimal


async def test_migrated_database_matches_the_models(engine):
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_every_account_table_carries_account_id():
    exempt = {
        "accounts",
        "closure_records",
        "portfolios",
        "portfolio_accounts",
        "portfolio_metric_points",
        "portfolio_billing_rows",
        "portfolio_exports",
        "throttle_counters",
    }
    missing = [
        table.name
        for table in Base.metadata.sorted_tables
        if table.name not in exempt and "account_id" not in table.c
    ]
    assert missing == []


async def test_sqlite_runs_with_foreign_keys_and_wal(engine):
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"


async def test_money_round_trips_exactly(factory, sessionmaker):
    acme = await factory.account()
    async with sessionmaker.begin() as session:
        from datetime import UTC, datetime

        for value in ("0.01", "12345678901.99", "-3.10"):
            session.add(
                Deal(
                    account_id=acme.id,
                    title=value,
                    value=Decimal(value),
                    currency="EUR",
                    created_at=datetime.now(UTC),
                )
            )
    async with sessionmaker() as session:
        from sqlalchemy import func, select

        total = await session.scalar(select(func.sum(Deal.value)))
        values = sorted((await session.scalars(select(Deal.value))).all())
    assert values == [Decimal("-3.10"), Decimal("0.01"), Decimal("12345678901.99")]
    assert total == Decimal("12345678898.90")


def test_scaled_decimal_refuses_sub_cent_values():
    import pytest

    with pytest.raises(ValueError, match="decimal places"):
        ScaledDecimal(2).process_bind_param(Decimal("1.005"), None)  # type: ignore[arg-type]


async def test_datetimes_come_back_aware_utc_whatever_the_session_time_zone(factory, sessionmaker):
    # On PostgreSQL the column type leaves asyncpg's values as they are (no per-value call):
    # that holds only while asyncpg hands back UTC, also under another session TimeZone.
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import select

    acme = await factory.account()
    tokyo = timezone(timedelta(hours=9))
    written = datetime(2026, 3, 1, 9, 30, tzinfo=tokyo)
    async with sessionmaker.begin() as session:
        session.add(
            Deal(
                account_id=acme.id, title="t", value=Decimal(1), currency="EUR", created_at=written
            )
        )
    async with sessionmaker() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("SET TIME ZONE 'Asia/Tokyo'"))
        read = await session.scalar(select(Deal.created_at).where(Deal.account_id == acme.id))
    assert read == written
    assert read is not None
    assert read.tzinfo is UTC
    assert read.hour == 0


def test_sqlite_datetimes_read_fast_as_sqlalchemy_reads_them():
    # UTCDateTime reads SQLite's text with datetime.fromisoformat; SQLAlchemy's own reading is
    # the reference for every spelling SQLAlchemy writes (and for what it reads besides).
    from datetime import UTC, datetime

    from sqlalchemy.dialects import sqlite

    from db.types import UTCDateTime

    dialect = sqlite.dialect()
    column_type = UTCDateTime()
    impl: Any = column_type.dialect_impl(dialect)
    fast = impl.result_processor(dialect, None)
    written = impl.impl_instance.bind_processor(dialect)  # SQLAlchemy's own writing
    general = impl.impl_instance.result_processor(dialect, None)
    for moment in (
        datetime(2026, 9, 29, 16, 43, 4, tzinfo=UTC),
        datetime(2026, 9, 29, 16, 43, 4, 123456, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    ):
        text_value = written(column_type.process_bind_param(moment, dialect))
        assert fast(text_value) == moment
        assert fast(text_value) == general(text_value).replace(tzinfo=UTC)
    assert fast(None) is None
    assert fast("2026-09-29 16:43") == datetime(2026, 9, 29, 16, 43, tzinfo=UTC)
