"""A pooled PostgreSQL connection that died while idle (the server restarted, an
administrator or a proxy dropped it) is replaced when it is next checked out: the caller never
sees it (``pool_pre_ping`` in ``db.engine.create_engine``)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from db.engine import create_engine


async def test_a_connection_killed_while_pooled_is_replaced_on_checkout(database_url):
    url, schema = database_url
    if not url.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    engine = create_engine(url, search_path=schema, pool_size=1, max_overflow=0)
    admin = create_engine(url, pooled=False)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with admin.connect() as connection:  # the pooled one is idle now: end it
            assert await connection.scalar(text(f"SELECT pg_terminate_backend({first})"))
            for _ in range(100):
                gone = not await connection.scalar(
                    text(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {first}")
                )
                if gone:
                    break
                await asyncio.sleep(0.02)
        async with engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await engine.dispose()
        await admin.dispose()
