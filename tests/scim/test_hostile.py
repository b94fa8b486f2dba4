"""Hostile SCIM input: a SCIM error (JSON, < 500), nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import User
from tests.scim.helpers import SCIM, ScimClient, scim_token

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.mark.parametrize(
    ("method", "path", "content", "scim_type"),
    [
        ("POST", "/Users", b"{not json", "invalidSyntax"),
        ("POST", "/Users", b"[]", "invalidSyntax"),
        (
            "POST",
            "/Users",
            b'{"schemas": ["' + USER.encode() + b'"], "userName": "a@b.co", '
            b'"displayName": "A", "favouriteColour": "red"}',
            "invalidSyntax",
        ),
        (
            "POST",
            "/Users",
            b'{"schemas": ["' + USER.encode() + b'"], "userName": "not-an-email", '
            b'"displayName": "A"}',
            "invalidValue",
        ),
        (
            "POST",
            "/Users",
            b'{"schemas": ["' + USER.encode() + b'"], "userName": "a\\u0000@b.co", '
            b'"displayName": "A"}',
            "invalidValue",
        ),
        ("POST", "/Users", b'{"userName": "a@b.co"}', "invalidSyntax"),
        ("POST", "/Users", b"[" * 100_000, None),
        ("GET", "/Users?filter=" + "a" * 2000 + " eq 1", b"", "invalidFilter"),
        ("GET", '/Users?filter=userName eq "x" and (', b"", "invalidFilter"),
        ("GET", '/Users?filter=title eq "boss"', b"", "invalidFilter"),
        ("GET", "/Users?filter=active gt true", b"", "invalidFilter"),
        ("GET", "/Users?count=abc", b"", "invalidValue"),
    ],
)
async def test_bad_requests_get_scim_errors_and_change_nothing(
    api, factory, sessionmaker, method, path, content, scim_type
):
    acme = await factory.account(free_seats=1)
    scim = ScimClient(api.http, await scim_token(api, acme.owner))

    response = await api.http.request(
        method, f"/scim/v2{path}", content=content, headers=scim.headers
    )

    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(SCIM)
    body = response.json()
    assert body["status"] == str(response.status_code)
    if scim_type is not None:
        assert body["scimType"] == scim_type
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1
