"""Peak server memory while the account's full export of the large data set is downloaded.

    .venv/bin/python -m bench.export_memory --database-url sqlite+aiosqlite:////tmp/bench.db
        [--seed] [--code DIR]

``--seed`` first fills the (empty) database with ``crm-admin seed-demo --users 1000 --contacts
100000 --deals 50000``. ``--code DIR`` runs the server from another checkout of the project (e.g.
an earlier commit unpacked with ``git archive <commit> | tar -x -C DIR``) with this venv, so the
same script measures before and after. Reports the server's resident memory after logging in and
its peak (``VmHWM``, reset after logging in: argon2 takes 64 MB for a moment) over the download,
the zip's size and the time taken.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.harness import OWNER_EMAIL, free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "demo-password"
LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }"


def _memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start(code: Path, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "CRM_ENV": "production"}
    command = [sys.executable, "-m", "uvicorn", "server:create_app", "--factory"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    # The code directory comes first on sys.path (``-m`` puts the working directory there).
    process = subprocess.Popen(command, cwd=code, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def measure(code: Path, database_url: str) -> dict[str, float]:
    process, base = _start(code, database_url)
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            login = client.post(
                "/graphql", json={"query": LOGIN, "variables": {"e": OWNER_EMAIL, "p": PASSWORD}}
            )
            token = login.json()["data"]["login"]["token"]
            # Login's argon2 hash takes 64 MB for a moment: start the peak from here.
            Path(f"/proc/{process.pid}/clear_refs").write_text("5")
            idle = _memory_mb(process.pid, "VmRSS")
            started = time.perf_counter()
            size = 0
            headers = {"Authorization": f"Bearer {token}"}
            with client.stream("GET", "/exports/account.zip", headers=headers) as response:
                response.raise_for_status()
                for chunk in response.iter_raw():
                    size += len(chunk)
            elapsed = time.perf_counter() - started
            peak = _memory_mb(process.pid, "VmHWM")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"idle_rss_mb": idle, "peak_rss_mb": peak, "zip_mb": size / 2**20, "seconds": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--code", type=Path, default=ROOT)
    args = parser.parse_args()
    if args.seed:
        seed = [str(Path(sys.executable).parent / "crm-admin"), "seed-demo", "--users", "1000"]
        seed += ["--contacts", "100000", "--deals", "50000"]
        subprocess.run(seed, env={**os.environ, "DATABASE_URL": args.database_url}, check=True)
    figures = measure(args.code.resolve(), args.database_url)
    print(
        f"code {args.code}: idle {figures['idle_rss_mb']:.0f} MB, "
        f"peak {figures['peak_rss_mb']:.0f} MB during the export "
        f"({figures['zip_mb']:.1f} MB zip in {figures['seconds']:.1f} s)"
    )


if __name__ == "__main__":
    main()
