"""The account's full export: a zip with one CSV per entity, admins only, recorded when taken."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import select

from db import models
from tests.accounts.helpers import full_account
from tests.factories import password_hash

ENTITY_FILES = {
    "users.csv",
    "seats.csv",
    "subscription.csv",
    "contact_tiers.csv",
    "contact_source_defaults.csv",
    "billing_ledger.csv",
    "contacts.csv",
    "deals.csv",
    "leads.csv",
    "organizations.csv",
    "activities.csv",
    "notifications.csv",
    "audit_events.csv",
}


async def download(api, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.http.get("/exports/account.zip", headers=headers)


def read_zip(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        return {
            name: list(csv.DictReader(io.StringIO(bundle.read(name).decode(), newline="")))
            for name in bundle.namelist()
        }


async def test_full_export_is_a_zip_with_one_csv_per_entity(api, factory):
    acme = await full_account(factory, "Acme Corp")

    response = await download(api, acme.account.owner.token)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="account-{acme.account.id}-export-2026-03-15.zip"'
    )
    files = read_zip(response.content)
    assert set(files) == ENTITY_FILES
    assert len(files["users.csv"]) == 4
    assert len(files["seats.csv"]) == 5
    assert len(files["contacts.csv"]) == 4
    assert len(files["deals.csv"]) == 3
    assert len(files["subscription.csv"]) == 1
    assert files["deals.csv"][0]["value"] == "100.50"


async def test_users_file_has_no_password_hashes(api, factory):
    acme = await full_account(factory, "Acme Corp")

    response = await download(api, acme.account.owner.token)

    users = read_zip(response.content)["users.csv"]
    assert "password_hash" not in users[0]
    assert password_hash().encode() not in response.content
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        assert all(password_hash() not in bundle.read(n).decode() for n in bundle.namelist())


async def test_export_holds_only_the_viewers_account(api, factory):
    acme = await full_account(factory, "Acme Corp")
    await full_account(factory, "Globex")  # data that must not leak into the export

    response = await download(api, acme.account.owner.token)

    for name, rows in read_zip(response.content).items():
        assert {row["account_id"] for row in rows} <= {str(acme.account.id)}, name


async def test_negative_amounts_stay_numbers_and_formula_text_is_escaped(api, factory):
    acme = await full_account(factory, "Acme Corp")

    response = await download(api, acme.account.owner.token)

    [entry] = read_zip(response.content)["billing_ledger.csv"]
    assert entry["amount"] == "-14.03"
    assert entry["description"] == "'-1 seat, prorated"


async def test_export_records_when_it_was_taken(api, factory, sessionmaker, clock):
    acme = await full_account(factory, "Acme Corp")

    await download(api, acme.admin.token)

    async with sessionmaker() as session:
        account = await session.get(models.Account, acme.account.id)
        actions = (
            await session.scalars(
                select(models.AuditEvent.action).where(
                    models.AuditEvent.account_id == acme.account.id
                )
            )
        ).all()
    assert account.full_export_at == clock.now()
    assert "account.export" in actions


async def test_regular_users_cannot_take_the_full_export(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")

    response = await download(api, acme.seller.token)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    async with sessionmaker() as session:
        account = await session.get(models.Account, acme.account.id)
    assert account.full_export_at is None


async def test_full_export_without_a_valid_token_is_401(api, factory):
    await full_account(factory, "Acme Corp")
    for token in (None, "nope"):
        response = await download(api, token)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_a_head_request_records_nothing(api, factory, sessionmaker):
    acme = await full_account(factory, "Acme Corp")

    head = await api.http.head(
        "/exports/account.zip", headers={"Authorization": f"Bearer {acme.admin.token}"}
    )
    assert head.status_code == 200
    assert head.content == b""

    async with sessionmaker() as session:
        account = await session.get(models.Account, acme.account.id)
    assert account.full_export_at is None
