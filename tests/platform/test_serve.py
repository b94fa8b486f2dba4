"""``crm-admin serve --workers 2`` as a deployment runs it: a real subprocess on a free port."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "serve-test-metrics-token"
REQUESTS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server never became ready:\n{log.read_text()}")


def test_serve_with_two_workers_logs_json_adds_up_metrics_and_stops_cleanly(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    upgrade(database_url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CRM_ENV": "production",
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-c", "import cli; cli.main()", "serve", "--port", str(port)]
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "--workers", "2"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        _wait_until_ready(base, server, log)
        no_reuse = httpx.Limits(max_keepalive_connections=0)  # spread requests over the workers
        with httpx.Client(base_url=base, limits=no_reuse, timeout=10) as client:
            for _ in range(REQUESTS):
                response = client.post("/graphql", json={"query": "query UsersPage { __typename }"})
                assert response.status_code == 200
                assert response.json()["data"] == {"__typename": "Query"}
            auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
            scrapes = [client.get("/metrics", headers=auth).text for _ in range(4)]
        # Whichever worker answers the scrape, it reports every worker's requests.
        for text in scrapes:
            found = re.search(
                r'crm_requests_total\{operation="UsersPage",status="200"\} (\S+)', text
            )
            assert found is not None, text
            assert float(found.group(1)) == REQUESTS, text
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            returncode = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert returncode == 0, log.read_text()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "crm_admin.access"]
    graphql = [line for line in requests if line["path"] == "/graphql"]
    assert len(graphql) == REQUESTS
    assert all(line["status"] == 200 and len(line["request_id"]) >= 16 for line in graphql)
    # uvicorn's own lines (start-up, shutdown) are JSON too, from every worker.
    started = [line for line in lines if "Application startup complete" in line["message"]]
    assert len(started) == 2
    assert len({line["request_id"] for line in graphql}) == REQUESTS


def test_serve_starts_several_workers_on_an_empty_metrics_directory(tmp_path, monkeypatch):
    import cli

    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"last run")
    (given / "histogram_123.db").write_bytes(b"last run")
    (given / "crm_admin.db").write_bytes(b"somebody's SQLite database")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(given))
    assert cli._prepare_multiprocess_metrics() is None  # the operator's directory, kept ...
    # ... emptied of the last run's values, and of nothing else
    assert [path.name for path in given.iterdir()] == ["crm_admin.db"]
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    fresh = cli._prepare_multiprocess_metrics()
    assert fresh is not None
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == fresh
    assert list(Path(fresh).iterdir()) == []
    Path(fresh).rmdir()
