"""GraphQL over HTTP: the graphql-response+json media type, status codes and error codes."""

from __future__ import annotations

import pytest

from graphql_over_http import prefers_graphql_response

GRAPHQL_RESPONSE = "application/graphql-response+json"
ASKS_FOR_IT = {"Accept": GRAPHQL_RESPONSE}


def media_type(response):
    return response.headers["content-type"].split(";")[0].strip()


def codes_of(body) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        ("{ viewer { id ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($f: Int!) { users(first: $f) { totalCount } }", None, "BAD_REQUEST"),
        ("query($f: Int) { users(first: $f) { totalCount } }", {"f": "ten"}, "BAD_REQUEST"),
    ],
)
async def test_request_errors_are_400_without_data_in_the_graphql_response_media_type(
    api, factory, document, variables, code
):
    acme = await factory.account()
    response = await api.post(document, variables, token=acme.owner.token, headers=ASKS_FOR_IT)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert codes_of(body) == [code]


async def test_request_errors_keep_status_200_and_null_data_for_json_clients(api):
    for accept in (None, "application/json", "*/*"):
        headers = {"Accept": accept} if accept else {}
        response = await api.post("{ viewer { id ", headers=headers)
        assert response.status_code == 200, accept
        assert media_type(response) == "application/json", accept
        body = response.json()
        assert body["data"] is None
        assert codes_of(body) == ["GRAPHQL_PARSE_FAILED"]


async def test_a_result_is_200_in_the_graphql_response_media_type(api, factory):
    acme = await factory.account()
    response = await api.post("{ viewer { email } }", token=acme.owner.token, headers=ASKS_FOR_IT)
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.json()["data"] == {"viewer": {"email": acme.owner.email}}


async def test_field_errors_are_200_with_a_data_entry(api):
    """Execution began: a field's error is data-level, whatever the media type."""
    response = await api.post("{ users { totalCount } }", headers=ASKS_FOR_IT)
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" in body
    assert codes_of(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["path"] == ["users"]


async def test_queries_over_get_negotiate_the_media_type_too(api):
    response = await api.http.get(
        "/graphql", params={"query": "{ viewer { nope } }"}, headers=ASKS_FOR_IT
    )
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    assert codes_of(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        (GRAPHQL_RESPONSE, True),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", True),
        (f"{GRAPHQL_RESPONSE};charset=utf-8", True),
        (f"application/json, {GRAPHQL_RESPONSE}", False),
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", True),
        (f"{GRAPHQL_RESPONSE};q=0, application/json", False),
        (f"{GRAPHQL_RESPONSE};q=0", False),
        (f"{GRAPHQL_RESPONSE};q=bogus", False),
        (f"text/html, {GRAPHQL_RESPONSE}, multipart/mixed", True),
    ],
)
def test_accept_header_negotiation(accept, expected):
    assert prefers_graphql_response(accept) is expected
