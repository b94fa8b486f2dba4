"""Rows as named tuples (``db.records``): the same names and values as SQLAlchemy's rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from db.models import Base, Deal
from db.records import record_type, records


async def test_records_answer_every_column_by_name_and_position(factory, sessionmaker):
    acme = await factory.account()
    async with sessionmaker.begin() as session:
        session.add(
            Deal(
                account_id=acme.id,
                title="Big one",
                value=Decimal("12.50"),
                currency="EUR",
                created_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )
    columns = list(Deal.__table__.columns)
    query = select(*columns).where(Deal.account_id == acme.id)
    async with sessionmaker() as session:
        rows = (await session.execute(query)).all()
        found = records(await session.execute(query))
    assert len(found) == len(rows) == 1
    record, row = found[0], rows[0]
    assert tuple(record) == tuple(row)
    for column in columns:
        assert getattr(record, column.key) == getattr(row, column.key)
    assert record.title == "Big one"
    assert record.value == Decimal("12.50")


def test_one_record_type_per_set_of_columns():
    assert record_type(("id", "name")) is record_type(("id", "name"))
    assert record_type(("id", "name")) is not record_type(("id", "email"))
    assert record_type(("id", "name"))._fields == ("id", "name")


def test_every_table_can_be_read_as_records():
    # namedtuple refuses names that start with "_", keywords and duplicates: a column named so
    # would make every read through the loaders fail.
    for table in Base.metadata.sorted_tables:
        columns = tuple(column.key for column in table.columns)
        assert record_type(columns)._fields == columns, table.name
