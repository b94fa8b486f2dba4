"""Hostile SCIM input: a SCIM error (JSON, < 500), nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.enums import UserStatus
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
        ("GET", "/Users?filter=" + "(" * 600 + 'userName eq "a"' + ")" * 600, b"", "invalidFilter"),
        ("POST", "/Users/.search", b'{"schemas": ["nope"]}', "invalidSyntax"),
        (
            "PATCH",
            "/Users/{owner}",
            b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], '
            b'"Operations": [{"op": "replace", "path": "nickName[", "value": 1}]}',
            None,
        ),
        (
            "PATCH",
            "/Users/{owner}",
            b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], '
            b'"Operations": [{"op": "explode"}]}',
            None,
        ),
        (
            "PUT",
            "/Users/{owner}",
            b'{"schemas": ["' + USER.encode() + b'"], "userName": "x@y.co", '
            b'"displayName": "' + b"n" * 300 + b'"}',
            "invalidValue",
        ),
    ],
)
async def test_bad_requests_get_scim_errors_and_change_nothing(
    api, factory, sessionmaker, method, path, content, scim_type
):
    acme = await factory.account(free_seats=1)
    scim = ScimClient(api.http, await scim_token(api, acme.owner))

    path = path.replace("{owner}", acme.owner.gid)
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
        owner = await session.get(User, acme.owner.id)
    assert owner is not None
    assert (owner.email, owner.status) == (acme.owner.email, UserStatus.ACTIVE)


async def test_a_deeply_nested_filter_within_the_limit_is_answered(api, factory):
    acme = await factory.account()
    scim = ScimClient(api.http, await scim_token(api, acme.owner))
    nested = "(" * 480 + f'userName eq "{acme.owner.email}"' + ")" * 480

    response = await scim.request("GET", f"/Users?filter={nested}")

    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1
