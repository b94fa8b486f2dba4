"""GraphiQL in a real browser: Debian's Chromium, driven by Playwright, against the real server.

The server runs under uvicorn on a free 127.0.0.1 port, on this run's test database with the demo
data. The test does what a developer does on a network without internet access: runs the first
tab's Login, pastes the token into the Headers tab, runs Dashboard, and reads the result pane. Every
request the page makes is recorded (requests to other hosts are aborted, never sent) and must have
stayed on 127.0.0.1. A screenshot lands in test-artifacts/ (git-ignored).

Chromium comes from Debian (``.ci/chromium-ready``, run by ``make test``); Playwright never
downloads a browser here. Without /usr/bin/chromium the test fails: it is never skipped.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.async_api import Page, async_playwright

from config import Settings
from db.demo import seed_demo
from db.engine import create_engine, create_sessionmaker
from ide import FIRST_TAB
from resolvers.context import Services
from server import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Chromium shares two cores with the rest of CI: generous, and only reached on a failure.
TIMEOUT_MS = 90_000

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESULT_PANE = ".graphiql-response .CodeMirror"


@pytest.fixture
def chromium() -> str:
    assert CHROMIUM.is_file(), "Debian's chromium is missing: run `bash .ci/chromium-ready`"
    ARTIFACTS.mkdir(exist_ok=True)
    return str(CHROMIUM)


@pytest.fixture
def live_server(database_url, clock) -> Iterator[str]:
    """The app under uvicorn in a thread of its own (its own event loop and engine)."""
    url, search_path = database_url
    engine = create_engine(url, search_path=search_path)
    services = Services(
        settings=Settings(database_url=url),
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        clock=clock,
    )
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), log_level="warning", access_log=False)
    )

    async def serve() -> None:
        try:
            await server.serve(sockets=[listener])
        finally:
            await engine.dispose()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start in 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def elsewhere(urls: list[str]) -> list[str]:
    return [url for url in urls if urlsplit(url).hostname != "127.0.0.1"]


async def editor_text(page: Page, selector: str) -> str:
    text: str = await page.locator(selector).first.evaluate("node => node.CodeMirror.getValue()")
    return text


async def run_operation(page: Page, name: str) -> dict[str, Any]:
    """Press the play button, pick the operation, and wait for its result in the result pane."""
    before = await editor_text(page, RESULT_PANE)
    await page.locator(".graphiql-execute-button").click()
    await page.locator(".graphiql-dropdown-item", has_text=name).click()
    await page.wait_for_function(
        """([selector, before]) => {
            const value = document.querySelector(selector).CodeMirror.getValue();
            return value !== before && value.trim().startsWith("{");
        }""",
        arg=[RESULT_PANE, before],
        timeout=TIMEOUT_MS,
    )
    result: dict[str, Any] = json.loads(await editor_text(page, RESULT_PANE))
    return result


async def test_graphiql_logs_in_and_runs_the_dashboard_without_leaving_the_machine(
    chromium, live_server, api, sessionmaker, clock, database_url
):
    await seed_demo(sessionmaker, now=clock.now())
    dialect = "postgresql" if database_url[1] else "sqlite"
    own_origin = live_server + "/"
    requested: list[str] = []
    page_errors: list[str] = []

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1920, "height": 1000})
        # Recorded first, then refused: nothing for another host goes out, and the test fails.
        await context.route(
            re.compile(r"^(?!" + re.escape(own_origin) + ")"), lambda route: route.abort()
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda websocket: requested.append(websocket.url))
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        try:
            await page.goto(live_server + "/graphql")  # waits for every script and stylesheet
            assert elsewhere(requested) == [], "the page asked other hosts for its files"
            await page.locator(QUERY_EDITOR).wait_for()
            assert await editor_text(page, QUERY_EDITOR) == FIRST_TAB

            login = await run_operation(page, "Login")
            token = login["data"]["login"]["token"]
            assert token, login

            await page.locator('button[data-name="headers"]').click()
            headers_editor = page.locator(HEADERS_EDITOR)
            await headers_editor.click()
            await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {token}"}))
            assert json.loads(await editor_text(page, HEADERS_EDITOR)) == {
                "Authorization": f"Bearer {token}"
            }

            dashboard = await run_operation(page, "Dashboard")
            # Docs open on the side, so the screenshot shows the schema the browser loaded.
            await page.locator('button[aria-label="Show Documentation Explorer"]').click()
            await page.locator(".graphiql-doc-explorer").wait_for()
        finally:
            await page.screenshot(path=ARTIFACTS / f"graphiql-{dialect}.png")
            await browser.close()

    expected = await api.http.post(
        "/graphql",
        json={"query": FIRST_TAB, "operationName": "Dashboard"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "errors" not in dashboard
    assert dashboard["data"] == expected.json()["data"]
    account = dashboard["data"]["account"]
    assert account["name"] == "Acme Corp"
    assert account["seatSummary"]["billable"] > 0
    assert dashboard["data"]["contactUsage"]["marketingContacts"] > 0
    assert page_errors == []
    assert len(requested) > 7  # the page, its 7 files, the schema, the two operations
    assert elsewhere(requested) == []
