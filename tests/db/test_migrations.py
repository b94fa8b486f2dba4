"""The migration builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

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
