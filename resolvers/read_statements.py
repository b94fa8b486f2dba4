"""The read loaders' statements, built once per dialect and reused by every request.

A statement built per request costs its construction and its cache key (SQLAlchemy walks the
whole expression to find the compiled form) on every request; these are built once, with
parameters for what varies, so a request only binds values. They select table columns (Core,
not ORM entities): nothing is written through what the loaders read (``resolvers/loaders.py``).

A list of keys is one parameter on PostgreSQL (``= ANY(:ids)``, an array): the SQL is the same
for any number of keys, with nothing rendered per request and no cap on the number of
parameters. SQLite has no arrays: there it is an expanding ``IN``.

Parameters: ``account_id`` (the viewer's account), ``ids`` (the keys), and for pages ``limit``
and ``after``.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    any_,
    bindparam,
    func,
    null,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from db import models
from db.models import OWNED_ITEM_MODELS

POSTGRESQL = "postgresql"


def _table(model: type[models.Base]) -> Any:
    return model.__table__


def among_ids(column: Any, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the ``ids`` parameter's values."""
    if dialect == POSTGRESQL:
        return column == any_(bindparam("ids", type_=ARRAY(BigInteger)))  # type: ignore[no-any-return]
    return column.in_(bindparam("ids", expanding=True))  # type: ignore[no-any-return]


def _in_account(table: Any) -> ColumnElement[bool]:
    return table.c.account_id == bindparam("account_id")  # type: ignore[no-any-return]


@functools.cache
def rows_by(
    model: type[models.Base], key: str, dialect: str, columns: tuple[str, ...] | None = None
) -> Select[Any]:
    """Rows of the account whose ``key`` column is one of ``ids`` (only ``columns``, when
    given)."""
    table = _table(model)
    selected = table.c if columns is None else [table.c[name] for name in columns]
    return select(*selected).where(among_ids(table.c[key], dialect), _in_account(table))


def _counted_per_owner(table: Any, dialect: str, *leading: Any) -> Select[Any]:
    """``(*leading, owner_id, n)``: how many rows of ``table`` each owner in ``ids`` has."""
    return (
        select(*leading, table.c.owner_id.label("owner_id"), func.count().label("n"))
        .where(_in_account(table), among_ids(table.c.owner_id, dialect))
        .group_by(table.c.owner_id)
    )


#: The column of ``owned_counts`` for each owned item type (``OwnedCounts``' field names).
OWNED_COUNT_COLUMNS = {
    "DEAL": "deals",
    "CONTACT": "contacts",
    "LEAD": "leads",
    "ORGANIZATION": "organizations",
    "ACTIVITY": "activities",
}


@functools.cache
def owned_counts(dialect: str) -> Select[Any]:
    """``(owner_id, deals, contacts, leads, organizations, activities)`` for each user of the
    account in ``ids``: a count per owned item table and user, each walking that user's range
    of the table's (account_id, owner_id, ...) index.

    One row per user: a grouped count per table came back as a row per user and table (five
    times the rows to decode and sort out), and hashed every item of every owner first."""
    owner = _table(models.User).alias("owner")
    counts = []
    for item_type, model in OWNED_ITEM_MODELS.items():
        items = _table(model)
        counted = select(func.count()).where(_in_account(items), items.c.owner_id == owner.c.id)
        counts.append(counted.scalar_subquery().label(OWNED_COUNT_COLUMNS[item_type]))
    return select(owner.c.id.label("owner_id"), *counts).where(
        _in_account(owner), among_ids(owner.c.id, dialect)
    )


@functools.cache
def first_per_owner(
    model: type[models.Contact] | type[models.Deal],
    dialect: str,
    after: bool,
    unread: frozenset[str] = frozenset(),
) -> Select[Any]:
    """The first ``limit`` items (after ``after`` when given) of each owner in ``ids``, each
    owner walking its own index range.

    ``unread``: columns of ``LEFT_OUT_UNLESS_READ`` that the reader does not need (see
    ``unread_columns``), selected as a typed NULL under their own names, so every row keeps the
    table's shape. A column left out is neither sent nor decoded: a timestamp costs asyncpg
    ~0.5 µs a value, most of a nested contacts page that shows no date.

    A per-owner ``ORDER BY id LIMIT n`` reads n rows per owner, in order, from the
    (account_id, owner_id, id) index; a ROW_NUMBER() window would rank every item of every
    owner first (about 60 ms instead of 1 ms for 100 owners on SQLite). PostgreSQL says it with
    LATERAL; SQLite with a correlated ``id IN (... LIMIT n)`` evaluated once per owner.
    """
    owner = _table(models.User).alias("owner")
    items = _table(model)
    inner = items.alias("item")
    conditions = [_in_account(inner), inner.c.owner_id == owner.c.id]
    if after:
        conditions.append(inner.c.id > bindparam("after"))
    owners = [_in_account(owner), among_ids(owner.c.id, dialect)]
    first = select(inner).where(*conditions).order_by(inner.c.id).limit(bindparam("limit"))
    if dialect == POSTGRESQL:
        per_owner = first.lateral("per_owner")
        return (
            select(*_without(per_owner.c, unread))
            .select_from(owner)
            .join(per_owner, true())
            .where(*owners)
            .order_by(per_owner.c.owner_id, per_owner.c.id)
        )
    first_ids = first.with_only_columns(inner.c.id).correlate(owner)
    return (
        select(*_without(items.c, unread))
        .select_from(owner)
        .join(items, items.c.id.in_(first_ids))
        .where(*owners)
        .order_by(items.c.owner_id, items.c.id)
    )


#: The columns a page of items may leave out when its reader does not need them: the costly
#: ones (timestamps: asyncpg builds a ``datetime`` for each) and the account (always the
#: viewer's). Only these: each choice is a statement of its own, prepared on every
#: connection, and a handful of variants keeps them few whatever the clients select.
LEFT_OUT_UNLESS_READ = frozenset({"account_id", "created_at", "billed_as_marketing_until"})


def unread_columns(model: type[models.Base], read: frozenset[str] | None) -> frozenset[str]:
    """The columns of ``model``'s table in ``LEFT_OUT_UNLESS_READ`` that a reader of ``read``
    (None: every column) does not need."""
    return frozenset() if read is None else _left_out_of(model) - read


@functools.cache
def _left_out_of(model: type[models.Base]) -> frozenset[str]:
    return LEFT_OUT_UNLESS_READ & {column.name for column in _table(model).columns}


def _without(table_columns: Any, unread: frozenset[str]) -> list[Any]:
    """The columns, those ``unread`` as a typed NULL of the same name."""
    return [
        column if column.name not in unread else null().cast(column.type).label(column.name)
        for column in table_columns
    ]


@functools.cache
def totals_per_owner(model: type[models.Contact] | type[models.Deal], dialect: str) -> Select[Any]:
    """``(owner_id, n)``: how many items each owner in ``ids`` has."""
    return _counted_per_owner(_table(model), dialect)
