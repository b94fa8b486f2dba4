"""Pieces shared by ``bench.run`` and ``bench.profile_users_page``: seeding, servers, clients."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.operations import CONTACTS, DEALS, LOGIN, USERS

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432"
PG_DATABASE = "bench_crm"
OWNER_EMAIL = "owner@acme.example"
PASSWORD = "demo-password"  # the documented demo password


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- databases


@dataclass(frozen=True)
class Database:
    kind: str  # "sqlite" | "postgres"
    url: str
    #: What to remove afterwards (a temp dir for SQLite; the database name for PostgreSQL).
    cleanup: str | None


def _crm_admin(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "crm-admin"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"crm-admin {' '.join(args)} failed ({result.returncode})")
    log(f"  crm-admin {args[0]}: {time.perf_counter() - started:.1f} s")


def seed(url: str) -> None:
    _crm_admin(
        url, "seed-demo", "--users", str(USERS), "--contacts", str(CONTACTS), "--deals", str(DEALS)
    )


def sqlite_database(reuse: bool) -> Database:
    if reuse:
        folder = Path(tempfile.gettempdir()) / "crm-admin-bench"
        path = folder / "bench.db"
        if path.exists():
            log(f"  reusing {path}")
            return Database("sqlite", f"sqlite+aiosqlite:///{path}", None)
        folder.mkdir(parents=True, exist_ok=True)
        cleanup = None
    else:
        folder = Path(tempfile.mkdtemp(prefix="crm-admin-bench-"))
        path = folder / "bench.db"
        cleanup = str(folder)
    url = f"sqlite+aiosqlite:///{path}"
    seed(url)
    return Database("sqlite", url, cleanup)


async def _pg_admin(statements: list[str], database: str = "postgres") -> list[Any]:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database=database)
    try:
        return [await conn.fetch(statement) for statement in statements]
    finally:
        await conn.close()


def postgres_database(reuse: bool) -> Database:
    url = f"{PG_SERVER_URL}/{PG_DATABASE}"
    if reuse:
        found = asyncio.run(
            _pg_admin([f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'"])
        )[0]
        if found:
            log(f"  reusing database {PG_DATABASE} (VACUUM ANALYZE first)")
            _vacuum(PG_DATABASE)
            return Database("postgres", url, None)
    asyncio.run(
        _pg_admin(
            [
                f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)",
                f"CREATE DATABASE {PG_DATABASE}",
            ]
        )
    )
    seed(url)
    _vacuum(PG_DATABASE)
    return Database("postgres", url, None if reuse else PG_DATABASE)


def _vacuum(database: str) -> None:
    """``VACUUM ANALYZE``, as autovacuum would have done on a live database (it is off on some
    machines, this one included). Without it a new seed has no visibility map (every count
    reads the table, not only the index) and a kept database carries the dead rows of the
    10 000 contacts ``setMarketingStatus`` rewrites per request: both slow the database-bound
    sides (the reference, PostGraphile) far more than this server, and skew every ratio."""
    asyncio.run(_pg_admin(["VACUUM ANALYZE"], database=database))


def drop(database: Database) -> None:
    if database.cleanup is None:
        return
    if database.kind == "sqlite":
        shutil.rmtree(database.cleanup, ignore_errors=True)
    else:
        asyncio.run(_pg_admin([f"DROP DATABASE IF EXISTS {database.cleanup} WITH (FORCE)"]))


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def reset_peak_memory(self) -> bool:
        """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); False if not allowed."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def peak_memory_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def _uvicorn(name: str, app: str, url: str, cwd: Path = ROOT) -> Server:
    """``app`` under uvicorn on a free port; ``cwd`` is the source tree it imports (another
    checkout of the project serves that checkout's code: the current directory comes first
    on ``sys.path``)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        # production settings (GraphiQL off); introspection stays on so the harness can ask
        # the served schema which operations exist.
        "CRM_ENV": "production",
        "INTROSPECTION": "1",
    }
    command = [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--http",
        "h11",  # as `crm-admin serve` runs it
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=cwd, env=env)
    server = Server(name, process, port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode} while starting")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(server)
    raise SystemExit(f"{name} did not answer /healthz within 30 s")


def start_graphql(url: str, cwd: Path = ROOT, name: str = "graphql") -> Server:
    return _uvicorn(name, "server:create_app", url, cwd)


def start_reference(url: str) -> Server:
    return _uvicorn("reference", "bench.reference_app:create_reference_app", url)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextmanager
def servers(url: str) -> Iterator[tuple[Server, Server]]:
    graphql = start_graphql(url)
    try:
        reference = start_reference(url)
        try:
            yield graphql, reference
        finally:
            stop(reference)
    finally:
        stop(graphql)


# --------------------------------------------------------------------------- GraphQL client


async def graphql_call(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        url, json={"query": query, "variables": variables or {}}, headers=headers
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, url: str) -> str:
    body = await graphql_call(client, url, LOGIN, {"email": OWNER_EMAIL, "password": PASSWORD})
    payload = (body.get("data") or {}).get("login") or {}
    if not payload.get("token"):
        raise SystemExit(f"login failed: {body}")
    return str(payload["token"])
