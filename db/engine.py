"""Engine and session factory for the configured database.

SQLite (the embedded default) runs with foreign keys enforced, WAL journaling and a busy timeout;
PostgreSQL goes through asyncpg. ``search_path`` lets tests give each run its own schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from config import Settings

#: Execution option marking a connection whose transaction will write (see ``_on_begin``).
WRITE_TRANSACTION = "crm_write_transaction"


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(
    database_url: str,
    *,
    search_path: str | None = None,
    pooled: bool = True,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
    connect_timeout: float = 10.0,
    lock_timeout: float = 30.0,
) -> AsyncEngine:
    """``pooled=False`` opens a connection per use: for callers that run each request on a new
    event loop (a pooled asyncpg or aiosqlite connection belongs to the loop that opened it).
    The pool sizes and timeouts are settings (``engine_for``)."""
    url = make_url(database_url)
    kwargs: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": lock_timeout}
    else:
        # asyncpg prepares every statement; after five runs PostgreSQL may switch a prepared
        # statement to one generic plan for every parameter value. Accounts differ in size by
        # orders of magnitude in shared tables, and a plan chosen for one can be a poor one
        # for another (an "IN (100 ids)" count once went generic and 10 x slower). Custom
        # plans are cheap for these short queries. (The default mode gained nothing measurable
        # on the benchmark's one large account: bench/RESULTS.md, "Tried and left out".)
        server_settings = {"plan_cache_mode": "force_custom_plan"}
        if search_path:
            server_settings["search_path"] = search_path
        kwargs["connect_args"] = {"server_settings": server_settings, "timeout": connect_timeout}
    if url.get_backend_name() == "postgresql" and pooled:
        kwargs.update(
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_pre_ping=True,
        )
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, lock_timeout)
    return engine


def engine_for(settings: Settings, *, search_path: str | None = None) -> AsyncEngine:
    """The engine of the configured database, sized and timed by the settings."""
    return create_engine(
        settings.database_url,
        search_path=search_path,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_timeout=settings.db_connect_timeout_seconds,
        lock_timeout=settings.db_lock_timeout_seconds,
    )


def _configure_sqlite(engine: AsyncEngine, lock_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN is the
        # one that counts (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional
        # DDL"); BEGIN IMMEDIATE for writers is issued by the transaction helper.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads first and then
        # writes can fail with SQLITE_BUSY when another writer committed in between.
        immediate = conn.get_execution_options().get(WRITE_TRANSACTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@dataclass
class StatementCounter:
    """Counts SQL statements sent to the database (tests pin N+1-freedom with it)."""

    count: int = 0
    statements: list[str] = field(default_factory=list)
    #: Each statement's parameters by name (SQLAlchemy's compiled parameters; {} for text
    #: run as it is).
    parameters: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.count = 0
        self.statements.clear()
        self.parameters.clear()


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_transaction_control(statement: str) -> bool:
    """SQLite's explicit BEGIN is not a query (PostgreSQL's is not even a cursor call), so
    statement counts leave transaction control out and agree across databases."""
    return statement.lstrip().upper().startswith(_TRANSACTION_CONTROL)


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()

    def _before(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if is_transaction_control(statement):
            return
        counter.count += 1
        counter.statements.append(statement)
        compiled = getattr(context, "compiled_parameters", None) or [{}]
        counter.parameters.append(dict(compiled[0]))

    event.listen(engine.sync_engine, "before_cursor_execute", _before)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _before)
