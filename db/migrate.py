"""Programmatic Alembic: ``upgrade head`` for the CLI, the demo server and the tests; the head and
current revisions for ``/readyz`` and ``crm-admin db current``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str, *, search_path: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    config.attributes["search_path"] = search_path
    return config


def upgrade(database_url: str, *, search_path: str | None = None) -> None:
    """Bring the database to the newest revision (blocking; runs its own event loop)."""
    command.upgrade(alembic_config(database_url, search_path=search_path), "head")


async def upgrade_async(database_url: str, *, search_path: str | None = None) -> None:
    """``upgrade`` from inside a running event loop (Alembic's env runs ``asyncio.run``)."""
    await asyncio.to_thread(upgrade, database_url, search_path=search_path)


def head_revision() -> str:
    """The newest migration the code carries."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (``None``: never migrated)."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
