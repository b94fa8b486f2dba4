"""Keyset (cursor) pagination for every Relay connection.

Pages are ordered by primary key, so a cursor is just the last key seen: stable under inserts,
and ``WHERE id > :after ORDER BY id LIMIT :first + 1`` uses the primary key index.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from sqlalchemy import Select, func
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from config import Settings
from db.records import records
from resolvers.errors import ErrorCode, request_error
from resolvers.ids import decode_cursor, encode_cursor


class Reads(Protocol):
    """A request's database, as read by pagination and the loaders (``RequestDatabase``)."""

    def read(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class PageScope(Protocol):
    """What a page needs of the request (``RequestContext`` is one): its settings and database.

    A protocol, not the context class: the context builds the loaders, which page, so an
    import of the context from here would close a circle."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Reads: ...


T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: int | None
    #: Whether the client asked for ``totalCount`` (it costs a COUNT query).
    with_total: bool = True

    @classmethod
    def parse(
        cls,
        ctx: PageScope,
        first: int | None,
        after: str | None,
        *,
        with_total: bool = True,
    ) -> PageRequest:
        """Validate ``first``/``after``: a bad value is an ``INVALID_INPUT`` GraphQL error."""
        settings = ctx.settings
        size = settings.default_page_size if first is None else first
        if size < 0 or size > settings.max_page_size:
            raise request_error(
                ErrorCode.INVALID_INPUT,
                f"'first' must be between 0 and {settings.max_page_size}, got {first}.",
                field=["first"],
            )
        after_pk = None
        if after is not None:
            after_pk = decode_cursor(after)
            if after_pk is None:
                raise request_error(
                    ErrorCode.INVALID_INPUT,
                    "'after' is not a cursor of this list.",
                    field=["after"],
                )
        return cls(first=size, after=after_pk, with_total=with_total)


class Page(NamedTuple, Generic[T]):
    """One page of a list (a named tuple: a users page builds one per user and connection)."""

    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


async def fetch_page(
    ctx: PageScope,
    query: Select[tuple[T]],
    key: InstrumentedAttribute[Any],
    page: PageRequest,
    *,
    descending: bool = False,
    rows: bool = False,
) -> Page[T]:
    """Run one page of ``query`` (plus a COUNT when ``totalCount`` was asked for).

    ``rows``: the query selects table columns (``table_columns``), not an ORM entity, and
    the page holds its rows as named tuples (``db.records``): for lists read only to be shown,
    which skip the ORM's entity construction. A row answers the entity's attribute names for
    the columns it selected (every column is mapped under its own name:
    ``tests/db/test_types.py``; the users list selects ``USER_SHOWN_COLUMNS`` only), so the page
    keeps the entity's type for its readers; nothing may write through it."""
    paged = query
    if page.after is not None:
        paged = paged.where(key < page.after if descending else key > page.after)
    paged = paged.order_by(key.desc() if descending else key.asc()).limit(page.first + 1)
    async with ctx.db.read() as session:
        # Rows are read through the session's connection (its transaction): the ORM's
        # execution path would only hand them back as they are, a little later.
        reader: AsyncSession | AsyncConnection = await session.connection() if rows else session
        found: list[Any] = []
        if page.first > 0:
            result = await reader.execute(paged)
            found = records(result) if rows else list(result.scalars().all())
        total = 0
        if page.with_total:
            count_query = query.with_only_columns(
                func.count(), maintain_column_froms=True
            ).order_by(None)
            total = int(await reader.scalar(count_query) or 0)
    has_next = len(found) > page.first
    items = found[: page.first]
    return Page(
        items=items,
        cursors=[encode_cursor(_key_of(item, key)) for item in items],
        has_next_page=has_next,
        has_previous_page=page.after is not None,
        total_count=total,
    )


def table_columns(model: type[Any], names: Sequence[str] | None = None) -> list[Any]:
    """A model's table columns (those ``names``, when given), to select rows instead of
    entities (``fetch_page(rows=True)``)."""
    columns = model.__table__.columns
    return list(columns) if names is None else [columns[name] for name in names]


def _key_of(item: Any, key: InstrumentedAttribute[Any]) -> int:
    return int(getattr(item, key.key))
