"""Column types and the shape of what the read paths select."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Enum, inspect, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg

from db.enums import MarketingStatus
from db.models import Base, Contact, Deal
from db.types import StoredEnum, UTCDateTime, _Members


async def test_datetimes_come_back_aware_utc_whatever_the_session_time_zone(factory, sessionmaker):
    # On PostgreSQL the column type leaves asyncpg's values as they are (no per-value call):
    # that holds only while asyncpg hands back UTC, also under another session TimeZone.
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
    # Spellings fromisoformat reads without a zone or with another offset: SQLAlchemy's reading.
    for text_value in ("2026-09-29", "2026-09-29T16:43:04+02:00"):
        expected = column_type.process_result_value(general(text_value), dialect)
        assert fast(text_value) == expected
        assert fast(text_value).tzinfo is UTC


def test_every_column_is_mapped_under_its_own_name():
    # Rows stand in for entities on the read paths (resolvers/read_statements.py,
    # fetch_page(rows=True)): a row's attribute is the column's name, an entity's the mapped
    # attribute's, so the two must be the same everywhere.
    renamed = [
        f"{mapper.class_.__name__}.{prop.key} -> {prop.columns[0].key}"
        for mapper in Base.registry.mappers
        for prop in inspect(mapper.class_).column_attrs
        if prop.columns[0].key != prop.key
    ]
    assert renamed == []


def _enum_columns() -> list[Any]:
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Enum)
    ]


@pytest.mark.parametrize(
    "dialect", [asyncpg.dialect(), sqlite.dialect()], ids=["asyncpg", "sqlite"]
)
def test_stored_enums_read_every_value_as_sqlalchemys_enum_does(dialect):
    columns = _enum_columns()
    assert columns
    assert all(isinstance(column.type, StoredEnum) for column in columns)
    for column in columns:
        ours = column.type.dialect_impl(dialect).result_processor(dialect, None)
        assert isinstance(getattr(ours, "__self__", None), _Members)  # the lookup in C
        plain = Enum(column.type.enum_class, native_enum=False, length=32)
        theirs = plain.dialect_impl(dialect).result_processor(dialect, None)
        assert ours is not None
        assert theirs is not None
        for value in [*column.type.enums, None]:
            assert ours(value) is theirs(value), (column, value)
        with pytest.raises(LookupError, match="'NOPE' is not among the defined enum values"):
            ours("NOPE")


async def test_an_unknown_stored_enum_value_fails_its_read(factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)
    async with sessionmaker.begin() as session:
        await session.execute(text("UPDATE contacts SET marketing_status = 'SOMETHING_ELSE'"))
    async with sessionmaker() as session:
        with pytest.raises(LookupError, match="SOMETHING_ELSE"):
            await session.scalar(select(Contact.marketing_status))
        assert await session.scalar(select(text("1"))) == 1


async def test_stored_enums_come_back_as_members(factory, sessionmaker):
    acme = await factory.account()
    await factory.contacts(acme, 1)
    async with sessionmaker() as session:
        status = await session.scalar(select(Contact.marketing_status))
    assert status is MarketingStatus.NON_MARKETING
