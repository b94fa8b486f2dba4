"""The HTTP surface: health probes, GraphiQL, GET rules, request ids, error masking, paging."""

from __future__ import annotations

import logging

from db.migrate import head_revision


async def test_health_and_readiness_probes(api):
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "revision": head_revision()}


async def test_graphiql_is_served_on_get_in_development(api):
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_mutations_over_get_are_refused(api, factory):
    acme = await factory.account()
    response = await api.http.get(
        "/graphql",
        params={"query": "mutation { logout { ok } }"},
        headers={"Authorization": f"Bearer {acme.owner.token}"},
    )
    assert response.status_code in {400, 405}
    assert (await api.data("{ viewer { id } }", token=acme.owner.token))["viewer"]["id"]


async def test_queries_over_get_work(api, factory):
    acme = await factory.account()
    response = await api.http.get(
        "/graphql",
        params={"query": "{ viewer { email } }"},
        headers={"Authorization": f"Bearer {acme.owner.token}"},
    )
    assert response.json()["data"]["viewer"]["email"] == acme.owner.email


async def test_every_response_carries_a_request_id(api):
    response = await api.post("{ __typename }")
    assert len(response.headers["x-request-id"]) >= 16
    echoed = await api.post("{ __typename }", headers={"X-Request-ID": "trace-123"})
    assert echoed.headers["x-request-id"] == "trace-123"


async def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    api, factory, monkeypatch, caplog
):
    acme = await factory.account()

    async def explode(*_args, **_kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr("schema.users.list_users", explode)
    with caplog.at_level(logging.ERROR, logger="crm_admin.errors"):
        response = await api.post("{ users { totalCount } }", token=acme.owner.token)
    error = response.json()["errors"][0]
    assert "secret" not in response.text
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = response.headers["x-request-id"]
    assert error["extensions"]["requestId"] == request_id
    assert any(request_id in record.getMessage() for record in caplog.records)
    assert any(record.exc_info for record in caplog.records)


async def test_malformed_queries_are_coded_by_the_step_that_refused_them(api, factory):
    acme = await factory.account()
    users_page = "query($f: Int) { users(first: $f) { totalCount } }"
    for document, variables, code in [
        ("{ users(", None, "GRAPHQL_PARSE_FAILED"),
        ("{ users { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($f: Int!) { users(first: $f) { totalCount } }", None, "BAD_REQUEST"),
        (users_page, {"f": "ten"}, "BAD_REQUEST"),
    ]:
        codes = await api.error_codes(document, variables, token=acme.owner.token)
        assert codes, document
        assert set(codes) == {code}, document


async def test_page_size_is_bounded(api, factory):
    acme = await factory.account()
    for first in (101, -1):
        codes = await api.error_codes(
            "query($f: Int) { users(first: $f) { totalCount } }",
            {"f": first},
            token=acme.owner.token,
        )
        assert codes == ["INVALID_INPUT"]
    codes = await api.error_codes(
        '{ contacts(after: "bogus") { totalCount } }', token=acme.owner.token
    )
    assert codes == ["INVALID_INPUT"]


async def test_cursors_walk_every_page_once(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 7)
    seen, after = [], None
    while True:
        data = await api.data(
            "query($a: String) { contacts(first: 3, after: $a) { totalCount "
            "pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { name } } } }",
            {"a": after},
            token=acme.owner.token,
        )
        page = data["contacts"]
        assert page["totalCount"] == 7
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(f"Contact {i}" for i in range(7))


async def test_default_page_size_is_50(api, factory):
    acme = await factory.account()
    await factory.contacts(acme, 60)
    data = await api.data(
        "{ contacts { edges { cursor } pageInfo { hasNextPage } } }", token=acme.owner.token
    )
    assert len(data["contacts"]["edges"]) == 50
    assert data["contacts"]["pageInfo"]["hasNextPage"] is True


async def test_strawberrys_own_refusals_are_json_graphql_errors(api):
    mutation_over_get = await api.http.get(
        "/graphql", params={"query": "mutation { logout { ok } }"}
    )
    unknown_operation = await api.http.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": "B"}
    )
    for response in (mutation_over_get, unknown_operation):
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/json")
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"]
