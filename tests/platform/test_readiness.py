"""/readyz answers 200 only when the database answers and is migrated to the code's head."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from db.engine import create_engine, create_sessionmaker
from db.migrate import head_revision
from resolvers.context import Services
from server import create_app


@pytest.fixture
async def empty_database(database_url, tmp_path) -> AsyncIterator[tuple[str, str | None]]:
    """A database nobody migrated: a new SQLite file, or a new empty PostgreSQL schema."""
    url, search_path = database_url
    if search_path is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", None
        return
    schema = f"empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield url, schema
    async with admin.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


async def _probe(services: Services, url: str, search_path: str | None, path: str):
    engine = create_engine(url, search_path=search_path)
    app = create_app(
        services=Services(
            settings=services.settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            clock=services.clock,
        )
    )
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)
    finally:
        await engine.dispose()


async def test_an_unmigrated_database_is_not_ready(services, empty_database):
    url, search_path = empty_database
    response = await _probe(services, url, search_path, "/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "not migrated" in body["reason"]
    assert head_revision() in body["reason"]
    # Liveness is not readiness: the process itself is fine.
    assert (await _probe(services, url, search_path, "/healthz")).status_code == 200


async def test_an_unreachable_database_is_not_ready(services):
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    response = await _probe(services, url, None, "/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("database unavailable")


async def test_a_migrated_database_is_ready(api):
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["revision"] == head_revision()
