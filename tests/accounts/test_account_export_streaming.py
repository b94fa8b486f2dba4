"""The account's zip streams from one read snapshot, without the write lock, in many chunks."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile

from sqlalchemy import select

from db import models
from resolvers import exports
from server import create_app
from tests.accounts.helpers import full_account


async def _raw_download(app, token: str | None, on_first_body_chunk) -> tuple[int, list[bytes]]:
    """Drive the ASGI app by hand, so something can happen while the body is on its way."""
    status = 0
    chunks: list[bytes] = []
    requested = False
    never = asyncio.Event()

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()  # the client stays connected until the response is done
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            if not chunks:
                await on_first_body_chunk()
            chunks.append(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/exports/account.zip",
        "raw_path": b"/exports/account.zip",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", f"Bearer {token}".encode()), (b"host", b"test")],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    return status, chunks


async def test_the_zip_streams_from_a_snapshot_while_others_write(
    services, factory, sessionmaker, monkeypatch
):
    acme = await full_account(factory, "Acme Corp")
    await factory.contacts(acme.account, 120)
    monkeypatch.setattr(exports, "STREAM_BATCH_ROWS", 25)
    monkeypatch.setattr(exports, "STREAM_CHUNK_BYTES", 1)
    app = create_app(services=services)

    async def write_meanwhile():
        # Committed while the export is half sent: it does not wait for the export (no write
        # lock held), and the export does not see it (one snapshot).
        await factory.contacts(acme.account, 5)

    status, chunks = await _raw_download(app, acme.admin.token, write_meanwhile)

    assert status == 200
    assert len([chunk for chunk in chunks if chunk]) > 10
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as bundle:
        contacts = list(csv.DictReader(io.StringIO(bundle.read("contacts.csv").decode())))
    assert len(contacts) == 124  # the helper's 4 and the 120, not the 5 written meanwhile
    async with sessionmaker() as session:
        account = await session.get(models.Account, acme.account.id)
        stored = len((await session.scalars(select(models.Contact.id))).all())
    assert stored >= 129
    assert account.full_export_at is not None


async def test_a_download_that_breaks_off_records_nothing(
    services, factory, sessionmaker, monkeypatch
):
    acme = await full_account(factory, "Acme Corp")
    monkeypatch.setattr(exports, "STREAM_CHUNK_BYTES", 1)
    export = exports.open_account_export(
        _context(services, acme.admin.id, acme.account.id, admin=True)
    )
    first = await anext(export.chunks)
    assert first  # the stream started ...
    await export.chunks.aclose()  # ... and the client went away
    async with sessionmaker() as session:
        account = await session.get(models.Account, acme.account.id)
    assert account.full_export_at is None


def _context(services, user_id: int, account_id: int, *, admin: bool):
    from db.enums import Role
    from resolvers.context import RequestContext, RequestDatabase, Viewer

    return RequestContext(
        services=services,
        db=RequestDatabase(services.sessionmaker),
        now=services.clock.now(),
        request_id="test",
        viewer_or_none=Viewer(
            user_id=user_id,
            account_id=account_id,
            session_id=0,
            role=Role.ADMIN if admin else Role.REGULAR,
            is_account_owner=False,
            can_set_marketing_status=False,
        ),
    )
