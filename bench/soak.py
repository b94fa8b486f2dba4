"""Soak run: ``crm-admin serve --workers 2`` on PostgreSQL under a mixed read/write workload.

    .venv/bin/python -m bench.soak [--seconds 300] [--workers 2] [--concurrency 8]

Creates a database ``soak_crm`` on the local PostgreSQL (dropped at the end), migrates it and
seeds the demo data, starts the real server as a deployment would (several workers, production
mode, a metrics token), and for the given time drives it with concurrent clients mixing reads
(users page, contacts page, viewer, readiness) and writes (createContact, createDeal, logins, one
wrong password in twenty). Reports the responses by status, any 5xx (the run fails on one), and
the server's memory (all its processes' RSS) at the start and the end. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.harness import OWNER_EMAIL, free_port

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DATABASE = "soak_crm"
PASSWORD = "demo-password"
METRICS_TOKEN = "soak-metrics-token-0123456789"

LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }"
READS = [
    "query UsersPage { users(first: 50) { totalCount edges { node { displayName email } } } }",
    "query ContactsPage { contacts(first: 50) { totalCount edges { node { name } } } }",
    "{ viewer { email } }",
]
CREATE_CONTACT = (
    "mutation($n: String!) { createContact(input: {name: $n, source: API}) "
    "{ contact { id } userErrors { code } } }"
)
CREATE_DEAL = (
    'mutation($t: String!) { createDeal(input: {title: $t, value: "10.00"}) '
    "{ deal { id } userErrors { code } } }"
)


def _crm_admin(*args: str, database_url: str) -> None:
    binary = str(Path(sys.executable).parent / "crm-admin")
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run([binary, *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def _psql(statement: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", statement],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            pids += _process_tree(int(child))
    return pids


def _memory_mb(pid: int) -> float:
    total = 0
    for each in _process_tree(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


async def _client(
    base: str, token: str, stop_at: float, counts: Counter[int], failures: list[str], seed: int
) -> None:
    chooser = random.Random(seed)
    serial = itertools.count()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.monotonic() < stop_at:
            roll = chooser.random()
            if roll < 0.6:
                request = client.post(
                    "/graphql", json={"query": chooser.choice(READS)}, headers=headers
                )
            elif roll < 0.75:
                name = f"Soak contact {seed}-{next(serial)}"
                body = {"query": CREATE_CONTACT, "variables": {"n": name}}
                request = client.post("/graphql", json=body, headers=headers)
            elif roll < 0.9:
                body = {
                    "query": CREATE_DEAL,
                    "variables": {"t": f"Soak deal {seed}-{next(serial)}"},
                }
                request = client.post("/graphql", json=body, headers=headers)
            elif roll < 0.95:
                request = client.get("/readyz")
            else:
                wrong = chooser.random() < 0.2
                variables = {"e": OWNER_EMAIL, "p": "nope" if wrong else PASSWORD}
                request = client.post("/graphql", json={"query": LOGIN, "variables": variables})
            response = await request
            counts[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {response.text[:200]}")


async def _drive(base: str, seconds: float, concurrency: int) -> tuple[Counter[int], list[str]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        login = await client.post(
            "/graphql", json={"query": LOGIN, "variables": {"e": OWNER_EMAIL, "p": PASSWORD}}
        )
        token = login.json()["data"]["login"]["token"]
    counts: Counter[int] = Counter()
    failures: list[str] = []
    stop_at = time.monotonic() + seconds
    await asyncio.gather(
        *(_client(base, token, stop_at, counts, failures, seed) for seed in range(concurrency))
    )
    return counts, failures


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
    _psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    _psql(f"CREATE DATABASE {DATABASE}")
    try:
        _crm_admin("seed-demo", database_url=database_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CRM_ENV": "production",
            "METRICS_TOKEN": METRICS_TOKEN,
        }
        command = [str(Path(sys.executable).parent / "crm-admin"), "serve", "--port", str(port)]
        command += ["--workers", str(args.workers)]
        server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        try:
            _wait_ready(base, server)
            time.sleep(1)
            start_mb = _memory_mb(server.pid)
            started = time.monotonic()
            counts, failures = asyncio.run(_drive(base, args.seconds, args.concurrency))
            elapsed = time.monotonic() - started
            end_mb = _memory_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    finally:
        _psql(f"DROP DATABASE IF EXISTS {DATABASE}")

    total = sum(counts.values())
    errors = sum(n for status, n in counts.items() if status >= 500)
    print(f"soak: {args.workers} workers, PostgreSQL, {elapsed:.0f} s, {args.concurrency} clients")
    print(f"requests: {total} ({total / elapsed:.0f}/s), by status: {dict(sorted(counts.items()))}")
    print(f"5xx: {errors}")
    print(f"server memory (all processes' RSS): start {start_mb:.0f} MB, end {end_mb:.0f} MB")
    print(f"server exit code after SIGTERM: {server.returncode}")
    for failure in failures[:5]:
        print(f"  {failure}")
    if errors or server.returncode != 0:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
