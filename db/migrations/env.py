"""Alembic environment: runs migrations through the async engine of ``DATABASE_URL``.

The URL (and an optional PostgreSQL ``search_path``) come from the Alembic config's attributes when
called from code (``db.migrate``), else from the environment.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from config import Settings
from db.engine import create_engine
from db.models import Base

config = context.config
target_metadata = Base.metadata


def _do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = config.attributes.get("database_url") or Settings.from_env().database_url
    engine = create_engine(url, search_path=config.attributes.get("search_path"))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _do_run_migrations(connection)
else:
    asyncio.run(_run_async())
