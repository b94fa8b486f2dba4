"""Profile the users page in-process: ``python -m bench.profile_users_page [--runs N]``.

Builds the real app (``server.create_app``) on a seeded database (a fresh large SQLite data set
in a temp dir unless ``--database-url`` names one), logs in, then sends the users-page query
N times through ``httpx.ASGITransport`` under pyinstrument. Prints the call tree (top frames)
and the self time grouped by library, which is what "what dominates" in RESULTS.md is read from.

``--timing`` sends the N requests without the profiler and prints wall and CPU milliseconds per
request (median and mean): the figure for before/after comparisons in one process's terms.
``--ab`` alternates, request by request in one process, the app as it is and the same app with
Strawberry's default execution context and ``json.dumps`` responses: the executor's and orjson's
share, measured under the same machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from bench.harness import log, login, seed
from bench.operations import USERS_PAGE

_GROUPS = (
    ("graphql/", "graphql-core (execution, completion, validation)"),
    ("strawberry/", "strawberry (resolver wrappers, types, extensions)"),
    ("sqlalchemy/", "SQLAlchemy (ORM, compiling, result rows)"),
    ("aiosqlite/", "aiosqlite / sqlite3 driver"),
    ("asyncpg/", "asyncpg driver"),
    ("asyncio/", "asyncio (tasks, futures, locks, event loop)"),
    ("starlette/", "starlette"),
    ("json/", "json encoding"),
    (str(Path(__file__).resolve().parent.parent) + "/", "the project (resolvers, schema, loaders)"),
)


def _group(file_path: str) -> str:
    for marker, name in _GROUPS:
        if marker in file_path:
            return name
    return "other (stdlib, greenlet, threading, ...)"


def self_time_by_group(session: Any) -> list[tuple[str, float]]:
    """Sum every frame's self time (time not spent in a child frame) per library.

    pyinstrument records self time in synthetic ``[self]`` children (counted for their parent's
    library) and time a coroutine waited in ``[await]`` children (counted apart: the database
    thread or I/O, which this profile of the main thread does not see).
    """
    totals: dict[str, float] = defaultdict(float)

    def walk(frame: Any, parent_group: str) -> None:
        if frame.function == "[await]":
            totals["awaiting (database thread, I/O)"] += frame.time
            return
        group = parent_group if frame.is_synthetic else _group(frame.file_path or "")
        children_time = sum(child.time for child in frame.children)
        totals[group] += max(frame.time - children_time, 0.0)
        for child in frame.children:
            walk(child, group)

    root = session.root_frame()
    if root is not None:
        walk(root, "other (stdlib, greenlet, threading, ...)")
    return sorted(totals.items(), key=lambda item: -item[1])


async def profile(url: str, runs: int, timing: bool = False, ab: bool = False) -> None:
    from pyinstrument import Profiler

    from config import Settings
    from db.engine import count_statements, create_engine, create_sessionmaker
    from resolvers.clock import SystemClock
    from resolvers.context import Services
    from server import create_app

    engine = create_engine(url)
    settings = Settings(database_url=url, environment="production", graphiql=False)
    services = Services(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        clock=SystemClock(),
    )
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            token = await login(client, "/graphql")
            headers = {"Authorization": f"Bearer {token}"}
            body = {"query": USERS_PAGE}
            warm = await client.post("/graphql", json=body, headers=headers)
            if b'"errors"' in warm.content:
                raise SystemExit(f"users page failed: {warm.text[:500]}")
            with count_statements(engine) as counter:
                await client.post("/graphql", json=body, headers=headers)
            if timing:
                await _time_requests(client, body, headers, runs, counter.count, len(warm.content))
                return
            if ab:
                await _alternate(services, client, body, headers, runs)
                return
            profiler = Profiler(interval=0.0005, async_mode="enabled")
            started = time.perf_counter()
            profiler.start()
            for _ in range(runs):
                await client.post("/graphql", json=body, headers=headers)
            profiler.stop()
            took = time.perf_counter() - started
    finally:
        await engine.dispose()
    log(
        f"users page: {runs} runs in {took:.2f} s under the profiler "
        f"({took / runs * 1000:.0f} ms each), {counter.count} SQL statements per request, "
        f"{len(warm.content):,} bytes of JSON\n"
    )
    log(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))
    log("Self time by library:")
    session = profiler.last_session
    assert session is not None
    total = session.duration or 1.0
    for name, seconds in self_time_by_group(session):
        log(f"  {seconds / total * 100:5.1f} %  {seconds:7.2f} s  {name}")


async def _alternate(
    services: Any, fast: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str], runs: int
) -> None:
    import json

    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from server import GraphQLApp, create_app

    baseline_app = create_app(services=services)
    for route in baseline_app.routes:
        endpoint = getattr(route, "app", None)
        graphql_app = getattr(endpoint, "app", endpoint)
        if isinstance(graphql_app, GraphQLApp):
            schema: Any = graphql_app.schema
            schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
            graphql_app.encode_json = lambda data: json.dumps(data, separators=(",", ":"))  # type: ignore[method-assign]
    transport = httpx.ASGITransport(app=baseline_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as baseline:
        samples: dict[str, tuple[list[float], list[float]]] = {
            "fast": ([], []),
            "baseline": ([], []),
        }
        await baseline.post("/graphql", json=body, headers=headers)  # warm the second app
        first = (await fast.post("/graphql", json=body, headers=headers)).json()
        second = (await baseline.post("/graphql", json=body, headers=headers)).json()
        if first != second:
            raise SystemExit("the two executors answered differently")
        for _ in range(runs):
            for name, client in (("fast", fast), ("baseline", baseline)):
                wall, cpu = time.perf_counter(), time.process_time()
                await client.post("/graphql", json=body, headers=headers)
                samples[name][0].append((time.perf_counter() - wall) * 1000)
                samples[name][1].append((time.process_time() - cpu) * 1000)
    for name, (walls, cpus) in samples.items():
        log(
            f"{name:8}: wall median {statistics.median(walls):6.1f} ms, "
            f"CPU median {statistics.median(cpus):6.1f} ms ({runs} requests, alternating)"
        )


async def _time_requests(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    headers: dict[str, str],
    runs: int,
    statements: int,
    size: int,
) -> None:
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        await client.post("/graphql", json=body, headers=headers)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    log(
        f"users page, {runs} requests one at a time: wall median {statistics.median(walls):.1f} "
        f"ms (mean {statistics.fmean(walls):.1f}), CPU median {statistics.median(cpus):.1f} ms "
        f"(mean {statistics.fmean(cpus):.1f}); {statements} SQL statements, {size:,} bytes"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_users_page")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--timing", action="store_true", help="time requests, no profiler")
    parser.add_argument(
        "--ab", action="store_true", help="alternate fast and default executor, no profiler"
    )
    parser.add_argument(
        "--database-url", help="a seeded database (default: seed a fresh SQLite one in a temp dir)"
    )
    args = parser.parse_args(argv)
    folder: Path | None = None
    url = args.database_url
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="crm-admin-profile-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        log("seeding a fresh SQLite database")
        seed(url)
    try:
        asyncio.run(profile(url, args.runs, args.timing, args.ab))
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
