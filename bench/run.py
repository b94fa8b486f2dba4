"""The benchmark: ``python -m bench.run [--db sqlite|postgres|both] [--seconds N]``.

More options: ``--concurrency C``, ``--reuse`` (keep the seeded database), ``--only NAME``.

For each database: seed a fresh large data set (1 000 users, 100 000 contacts, 50 000 deals),
start the real GraphQL server and the hand-written reference (``bench.reference_app``) under
uvicorn, then drive each named operation over HTTP with C concurrent clients for N seconds,
GraphQL first and its reference right after. Prints one markdown table per database and writes
``bench/results/<db>.json`` and the figures section of ``bench/RESULTS.md``.

- ratio = GraphQL time per request / reference time per request = reference req/s / GraphQL req/s
  (the figure to steer by; aim for under 2).
- SQL/req is counted in-process (``db.engine.count_statements`` around one request through
  ``httpx.ASGITransport`` on the same database), for GraphQL and for the reference.
- server peak MB is the server's VmHWM while the operation ran (reset before each operation
  through ``/proc/<pid>/clear_refs`` when allowed, else the running peak since start).
- ``setMarketingStatus 10k`` changes data: it names 10 000 contact ids and alternates
  NON_MARKETING / MARKETING on every request; it runs with concurrency 1 (writes are serialised
  by the subscription lock anyway) and at most 60 requests per side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    OWNER_EMAIL,
    Database,
    Server,
    drop,
    graphql_call,
    log,
    login,
    postgres_database,
    servers,
    sqlite_database,
    stop,
)
from bench.operations import (
    CONTACTS,
    DEALS,
    MUTATION_CONTACTS,
    MUTATION_MAX_REQUESTS,
    OPERATIONS,
    USERS,
    Operation,
    drop_paths,
)
from bench.peer import (
    PEER_USERS_PAGE,
    Peer,
    add_peer_indexes,
    ensure_postgraphile,
    same_page,
    start_postgraphile,
)

BENCH = Path(__file__).resolve().parent
RESULTS_DIR = BENCH / "results"
RESULTS_MD = BENCH / "RESULTS.md"
FIGURES_START = "<!-- figures:start -->"
FIGURES_END = "<!-- figures:end -->"
#: A guard on top of the time limit: no loop runs more than this many requests per side.
MAX_READ_REQUESTS = 100_000
WARMUP_SECONDS = 0.5

INTROSPECT = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    first_error: str | None = None


@dataclass
class OperationResult:
    name: str
    description: str
    skipped: str | None = None
    concurrency: int = 0
    graphql: LoadResult | None = None
    reference: LoadResult | None = None
    ratio: float | None = None
    p50_ratio: float | None = None
    graphql_sql: int | None = None
    reference_sql: int | None = None
    #: PostGraphile v4 on the same database (users page on PostgreSQL only).
    peer: LoadResult | None = None
    #: Peer time per request / reference time per request.
    peer_ratio: float | None = None
    #: This server's throughput / the peer's (the goal: at least 1.2).
    vs_peer: float | None = None
    peer_same_data: bool | None = None
    graphql_peak_mb: float | None = None
    reference_peak_mb: float | None = None
    same_data: bool | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Target:
    """How to send the n-th request of an operation to one side."""

    url: str
    token: str
    operation: Operation
    fixture: dict[str, Any]
    graphql: bool
    #: A peer's own document and variables for the same operation.
    peer: Peer | None = None

    def request(self, n: int) -> tuple[str, bytes]:
        variables = self.operation.variables(n, self.fixture) if self.operation.variables else {}
        if self.peer is not None:
            body = {"query": self.peer.document, "variables": self.peer.variables}
        elif self.graphql:
            body = {"query": self.operation.document, "variables": variables}
        else:
            body = variables
        return self.url, json.dumps(body).encode()


async def _send(client: httpx.AsyncClient, target: Target, n: int) -> httpx.Response:
    url, body = target.request(n)
    return await client.post(
        url,
        content=body,
        headers={"Authorization": f"Bearer {target.token}", "Content-Type": "application/json"},
    )


def _failure(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    content = response.content
    if b'"errors":' in content and not (
        b'"errors": null' in content or b'"errors":null' in content
    ):
        return content[:300].decode(errors="replace")
    if b'"userErrors": [{' in content or b'"userErrors":[{' in content:
        return content[:300].decode(errors="replace")
    return None


async def drive(
    target: Target, *, seconds: float, concurrency: int, max_requests: int, counter: list[int]
) -> LoadResult:
    """C workers sending requests back to back for ``seconds`` (and at most ``max_requests``)."""
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal errors, first_error
            while time.perf_counter() < deadline and len(latencies) + errors < max_requests:
                n = counter[0]
                counter[0] += 1
                t0 = time.perf_counter()
                response = await _send(client, target, n)
                elapsed = time.perf_counter() - t0
                failure = _failure(response)
                if failure is None:
                    latencies.append(elapsed)
                else:
                    errors += 1
                    first_error = first_error or failure

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        took = time.perf_counter() - started
    if latencies:
        ordered = sorted(latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        mean = statistics.fmean(ordered) * 1000
    else:
        p50 = p99 = mean = float("nan")
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=took,
        rps=len(latencies) / took if took > 0 else 0.0,
        p50_ms=p50,
        p99_ms=p99,
        mean_ms=mean,
        first_error=first_error,
    )


# --------------------------------------------------------------------------- SQL statements


async def count_sql(
    url: str, token: str, fixture: dict[str, Any], operation: Operation, n: int
) -> tuple[int, int]:
    """Statements one request costs, in-process on the same database: (GraphQL, reference)."""
    from bench.reference_app import create_reference_app
    from config import Settings
    from db.engine import count_statements, create_engine, create_sessionmaker
    from resolvers.clock import SystemClock
    from resolvers.context import Services
    from server import create_app

    engine = create_engine(url)
    try:
        settings = Settings(database_url=url, environment="production", graphiql=False)
        services = Services(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            clock=SystemClock(),
        )
        counts: list[int] = []
        for app, graphql, path in (
            (create_app(services=services), True, "/graphql"),
            (create_reference_app(engine), False, operation.reference_path),
        ):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                target = Target(path, token, operation, fixture, graphql)
                await _send(client, target, n)  # warm caches (compiled SQL, parsed documents)
                with count_statements(engine) as counter:
                    response = await _send(client, target, n + 1)
                failure = _failure(response)
                if failure:
                    log(f"    in-process {'GraphQL' if graphql else 'reference'}: {failure}")
                counts.append(counter.count)
        return counts[0], counts[1]
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------- one database


async def _fixture(url: str) -> dict[str, Any]:
    """The 10 000 contact ids ``setMarketingStatus`` names (the owner's account, by id), and
    the owner's account id (the peer is told which account to list)."""
    from sqlalchemy import text

    from db.engine import create_engine
    from resolvers.ids import encode_global_id

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT c.id FROM contacts c JOIN users u ON u.account_id = c.account_id "
                    "WHERE u.email_normalized = :email ORDER BY c.id LIMIT :n"
                ),
                {"email": OWNER_EMAIL, "n": MUTATION_CONTACTS},
            )
            ids = [encode_global_id("Contact", int(pk)) for (pk,) in rows]
            account_id = await conn.scalar(
                text("SELECT account_id FROM users WHERE email_normalized = :email"),
                {"email": OWNER_EMAIL},
            )
    finally:
        await engine.dispose()
    return {"contact_ids": ids, "account_id": account_id}


def _served_fields(body: dict[str, Any]) -> set[tuple[str, str]]:
    schema = (body.get("data") or {}).get("__schema") or {}
    served: set[tuple[str, str]] = set()
    for root, key in (("Query", "queryType"), ("Mutation", "mutationType")):
        for f in (schema.get(key) or {}).get("fields") or []:
            served.add((root, f["name"]))
    return served


async def _compare(
    client: httpx.AsyncClient, graphql: Target, reference: Target
) -> tuple[bool, str | None]:
    g = await _send(client, graphql, 0)
    r = await _send(client, reference, 0)
    for side, response in (("GraphQL", g), ("reference", r)):
        failure = _failure(response)
        if failure:
            return False, f"{side} answered with an error: {failure}"
    paths = graphql.operation.unstable
    g_data = drop_paths(g.json().get("data"), paths)
    r_data = drop_paths(r.json().get("data"), paths)
    if g_data == r_data:
        return True, None
    return False, "GraphQL and reference data differ: " + _first_difference(g_data, r_data)


def _first_difference(a: Any, b: Any, path: str = "data") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key} only on one side"
            if a[key] != b[key]:
                return _first_difference(a[key], b[key], f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {a!r:.120} vs {b!r:.120}"


async def bench_operations(
    database: Database,
    graphql: Server,
    reference: Server,
    *,
    seconds: float,
    concurrency: int,
    only: set[str] | None,
    peer: Server | None = None,
) -> list[OperationResult]:
    graphql_url = f"{graphql.base_url}/graphql"
    async with httpx.AsyncClient(timeout=60) as client:
        token = await login(client, graphql_url)
        served = _served_fields(await graphql_call(client, graphql_url, INTROSPECT, token=token))
    if not served:
        log("  warning: introspection answered nothing; no operation can be checked")
    fixture = await _fixture(database.url)
    results: list[OperationResult] = []
    for operation in OPERATIONS:
        if only and operation.name not in only:
            continue
        result = OperationResult(operation.name, operation.description)
        results.append(result)
        if (operation.root_type, operation.root_field) not in served:
            result.skipped = (
                f"{operation.root_type}.{operation.root_field} is not in the served schema yet"
            )
            log(f"  SKIP {operation.name}: {result.skipped}")
            continue
        log(f"  {operation.name}: {operation.description}")
        try:
            await _bench_one(
                database,
                graphql,
                reference,
                operation,
                result,
                token,
                fixture,
                seconds=seconds,
                concurrency=concurrency,
                peer=peer,
            )
        except (httpx.HTTPError, OSError) as error:
            result.skipped = f"failed: {type(error).__name__} {error}"
            log(f"    FAILED {operation.name}: {result.skipped}")
    return results


async def _bench_one(
    database: Database,
    graphql: Server,
    reference: Server,
    operation: Operation,
    result: OperationResult,
    token: str,
    fixture: dict[str, Any],
    *,
    seconds: float,
    concurrency: int,
    peer: Server | None = None,
) -> None:
    graphql_url = f"{graphql.base_url}/graphql"
    g_target = Target(graphql_url, token, operation, fixture, True)
    r_target = Target(
        f"{reference.base_url}{operation.reference_path}", token, operation, fixture, False
    )
    conc = 1 if operation.mutation else concurrency
    max_requests = MUTATION_MAX_REQUESTS if operation.mutation else MAX_READ_REQUESTS
    result.concurrency = conc
    if not operation.mutation:
        async with httpx.AsyncClient(timeout=60) as client:
            result.same_data, problem = await _compare(client, g_target, r_target)
        if problem:
            result.notes.append(problem)
            log(f"    note: {problem}")
    sides = [(graphql, g_target), (reference, r_target)]
    p_target: Target | None = None
    if peer is not None and operation.name == "users page":
        variables = {"accountId": str(fixture["account_id"])}
        p_target = Target(
            f"{peer.base_url}/graphql",
            token,
            operation,
            fixture,
            True,
            Peer(peer.name, peer, PEER_USERS_PAGE, variables),
        )
        async with httpx.AsyncClient(timeout=60) as client:
            ours, theirs = await _send(client, g_target, 0), await _send(client, p_target, 0)
        failure = _failure(theirs)
        problem = failure or same_page(ours.json()["data"], theirs.json()["data"])
        result.peer_same_data = problem is None
        if problem:
            result.notes.append(f"peer: {problem}")
            log(f"    note: peer: {problem}")
        sides.append((peer, p_target))
    counter = [0]
    for server, target in sides:
        if not operation.mutation:
            await drive(
                target,
                seconds=WARMUP_SECONDS,
                concurrency=conc,
                max_requests=max_requests,
                counter=counter,
            )
        reset = server.reset_peak_memory()
        load = await drive(
            target,
            seconds=seconds,
            concurrency=conc,
            max_requests=max_requests,
            counter=counter,
        )
        peak = server.peak_memory_mb()
        if not reset:
            result.notes.append(f"{server.name} peak memory is the peak since start")
        if server is graphql:
            result.graphql, result.graphql_peak_mb = load, peak
        elif target is p_target:
            result.peer = load
        else:
            result.reference, result.reference_peak_mb = load, peak
        log(
            f"    {server.name:9}: {load.rps:8.1f} req/s  p50 {load.p50_ms:8.1f} ms  "
            f"p99 {load.p99_ms:8.1f} ms  {load.requests} ok, {load.errors} errors  "
            f"peak {peak:.0f} MB"
        )
        if load.first_error:
            log(f"      first error: {load.first_error}")
    g, r = result.graphql, result.reference
    if g and r and g.rps > 0 and r.rps > 0:
        result.ratio = r.rps / g.rps
        result.p50_ratio = g.p50_ms / r.p50_ms
    p = result.peer
    if g and r and p and p.rps > 0 and g.rps > 0 and r.rps > 0:
        result.peer_ratio = r.rps / p.rps
        result.vs_peer = g.rps / p.rps
        log(
            f"    peer ratio {result.peer_ratio:.2f}; this server does {result.vs_peer:.2f}x "
            "the peer's throughput"
        )
    result.graphql_sql, result.reference_sql = await count_sql(
        database.url, token, fixture, operation, counter[0]
    )
    log(
        f"    ratio {result.ratio or float('nan'):.2f}  "
        f"SQL/req {result.graphql_sql} (reference {result.reference_sql})"
    )


# --------------------------------------------------------------------------- reporting


def _f(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:,.{digits}f}"


def markdown_table(results: list[OperationResult]) -> str:
    lines = [
        "| operation | req/s | p50 ms | p99 ms | SQL/req | reference req/s | ratio "
        "| peer req/s | peer ratio | throughput vs peer "
        "| server peak MB | ref p50 ms | ref SQL/req | ref peak MB | same data |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        if r.skipped:
            lines.append(f"| {r.name} | skipped: {r.skipped} |" + " |" * 13)
            continue
        g, ref = r.graphql, r.reference
        same = {True: "yes", False: "NO", None: "n/a (writes)"}[r.same_data]
        if r.peer_same_data is not None:
            same += f"; peer {'yes' if r.peer_same_data else 'NO'}"
        lines.append(
            f"| {r.name} | {_f(g.rps if g else None)} | {_f(g.p50_ms if g else None)} "
            f"| {_f(g.p99_ms if g else None)} | {r.graphql_sql} | {_f(ref.rps if ref else None)} "
            f"| **{_f(r.ratio, 2)}** | {_f(r.peer.rps if r.peer else None)} "
            f"| {_f(r.peer_ratio, 2)} | **{_f(r.vs_peer, 2)}** | {_f(r.graphql_peak_mb, 0)} "
            f"| {_f(ref.p50_ms if ref else None)} | {r.reference_sql} "
            f"| {_f(r.reference_peak_mb, 0)} | {same} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def write_results(kind: str, results: list[OperationResult], settings: dict[str, Any]) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {
        "database": kind,
        "machine": machine(),
        "settings": settings,
        "operations": [asdict(r) for r in results],
        "table": markdown_table(results),
    }
    (RESULTS_DIR / f"{kind}.json").write_text(json.dumps(payload, indent=2) + "\n")


def update_results_md() -> None:
    """Rewrite the figures section of RESULTS.md from every results/<db>.json present."""
    parts = [FIGURES_START, ""]
    for kind in ("sqlite", "postgres"):
        path = RESULTS_DIR / f"{kind}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        m, s = data["machine"], data["settings"]
        parts += [
            f"### {kind}",
            "",
            f"{m['date']}; {m['nproc']} cores, {m['cpu']}; Python {m['python']}; "
            f"{s['seconds']} s per operation and side, concurrency {s['concurrency']} "
            f"(setMarketingStatus: 1); data {USERS:,} users, {CONTACTS:,} contacts, "
            f"{DEALS:,} deals. Server, database and load generator share the machine.",
            "",
            data["table"],
            "",
        ]
    parts.append(FIGURES_END)
    figures = "\n".join(parts)
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Benchmark results\n\n"
    if FIGURES_START in text and FIGURES_END in text:
        head, _, rest = text.partition(FIGURES_START)
        _, _, tail = rest.partition(FIGURES_END)
        text = head + figures + tail
    else:
        text = text.rstrip() + "\n\n" + figures + "\n"
    RESULTS_MD.write_text(text)


# --------------------------------------------------------------------------- main


@contextmanager
def peers(kind: str, args: argparse.Namespace) -> Iterator[Server | None]:
    """PostGraphile v4 on the PostgreSQL run (unless ``--no-peer``)."""
    if kind != "postgres" or args.no_peer or not ensure_postgraphile():
        yield None
        return
    asyncio.run(add_peer_indexes())
    peer = start_postgraphile()
    log(f"  postgraphile pid {peer.pid} :{peer.port}")
    try:
        yield peer
    finally:
        stop(peer)


def run_database(kind: str, args: argparse.Namespace) -> list[OperationResult]:
    log(f"\n== {kind}: seeding {USERS:,} users, {CONTACTS:,} contacts, {DEALS:,} deals")
    database = sqlite_database(args.reuse) if kind == "sqlite" else postgres_database(args.reuse)
    try:
        with servers(database.url) as (graphql, reference), peers(kind, args) as peer:
            log(f"  graphql pid {graphql.pid} :{graphql.port}, reference pid {reference.pid}")
            only = set(args.only) if args.only else None
            results = asyncio.run(
                bench_operations(
                    database,
                    graphql,
                    reference,
                    seconds=args.seconds,
                    concurrency=args.concurrency,
                    only=only,
                    peer=peer,
                )
            )
    finally:
        drop(database)
    settings = {"seconds": args.seconds, "concurrency": args.concurrency}
    write_results(kind, results, settings)
    log(f"\n### {kind}\n\n{markdown_table(results)}\n")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="per operation and side")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the seeded database and use it next time"
    )
    parser.add_argument(
        "--only", action="append", help="run only this operation (repeatable), e.g. 'users page'"
    )
    parser.add_argument(
        "--no-peer", action="store_true", help="leave PostGraphile out of the PostgreSQL run"
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.concurrency <= 0:
        parser.error("--seconds and --concurrency must be positive")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        run_database(kind, args)
    update_results_md()
    log(f"wrote {RESULTS_MD}")


if __name__ == "__main__":
    main()
