"""The conformance checker scim2-tester against a real server (uvicorn on a free port), on the
database of the run: zero failed checks for Users and the discovery endpoints."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

import httpx2
import uvicorn
from pydantic import Field
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Required, ScimProvider, Uniqueness
from scim2_tester import Status, check_server

from resolvers.scim.resources import CrmUser
from server import create_app
from tests.auth.helpers import free_port
from tests.scim.helpers import scim_token

#: userName is the email: RFC 7643 cannot say so in a schema, so the checker is told through
#: examples (fresh addresses, one per user it creates).
_EMAILS = [f"{uuid.uuid4().hex}@idp.example" for _ in range(300)]


class CheckedUser(CrmUser):
    user_name: Annotated[str | None, Uniqueness.server, Required.true, Field(examples=_EMAILS)] = (
        None
    )


def _run_checker(base_url: str, token: str) -> list[Any]:
    with httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as http:
        client = SyncSCIMClient(http, provider=ScimProvider(models=[CheckedUser]))
        return check_server(client)


async def test_scim2_tester_finds_no_failure(api, factory, services):
    account = await factory.account(free_seats=2)
    token = await scim_token(api, account.owner, buy=True)
    port = free_port()
    app = create_app(services=services)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
            await asyncio.sleep(0.02)
        results = await asyncio.to_thread(_run_checker, f"http://127.0.0.1:{port}/scim/v2", token)
    finally:
        server.should_exit = True
        await serving
    failed = [
        (r.title, r.reason, r.data)
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    assert failed == [], "\n".join(f"{t}: {r}" for t, r, _ in failed)
    ran = {r.title for r in results if r.status is Status.SUCCESS}
    assert len(ran) > 10
