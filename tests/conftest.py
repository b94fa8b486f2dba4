"""Test wiring: one migrated database per run (SQLite file or a fresh PostgreSQL schema), emptied
after every test; the real ASGI app behind httpx; a fixed clock.

``TEST_DATABASE_URL`` picks the database: unset means a SQLite file in a temporary folder; a
``postgresql+asyncpg://`` URL means a new schema of that database for this run, dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config import Settings
from db.engine import StatementCounter, count_statements, create_engine, create_sessionmaker
from db.migrate import upgrade_async
from db.models import Base
from resolvers.clock import FixedClock
from resolvers.context import Services
from server import create_app
from tests.api import GraphQLClient
from tests.factories import Factory

#: Every query a test sends is also run through graphql-core's own executor and compared.
pytest_plugins = ["tests.differential"]

#: Tests stand mid-period on a fixed date unless they move the clock.
TEST_NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str | None]]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        yield f"sqlite+aiosqlite:///{path}", None
        return
    yield url, f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
async def engine(database_url: tuple[str, str | None]) -> AsyncIterator[AsyncEngine]:
    url, schema = database_url
    if schema is not None:
        admin = create_engine(url)
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
    await upgrade_async(url, search_path=schema)
    engine = create_engine(url, search_path=schema)
    yield engine
    await engine.dispose()
    if schema is not None:
        admin = create_engine(url)
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture(autouse=True)
async def _empty_database(engine: AsyncEngine) -> AsyncIterator[None]:
    """Every test starts from an empty (migrated) database."""
    yield
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
def settings(database_url: tuple[str, str | None]) -> Settings:
    return Settings(database_url=database_url[0])


@pytest.fixture
def services(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> Services:
    return Services(settings=settings, engine=engine, sessionmaker=sessionmaker, clock=clock)


@pytest.fixture
async def api(services: Services) -> AsyncIterator[GraphQLClient]:
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield GraphQLClient(client)


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    """Counts SQL statements from here on; ``statements.reset()`` before the request measured."""
    with count_statements(engine) as counter:
        yield counter


@pytest.fixture
def factory(sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock) -> Factory:
    return Factory(sessionmaker, clock.now())
