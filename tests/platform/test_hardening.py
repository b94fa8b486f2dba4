"""Production hardening: modes, CORS, batching, structured logs and metrics."""

from __future__ import annotations

import dataclasses
import json
import logging

import httpx
import pytest

from observability import JsonFormatter
from server import create_app
from tests.api import GraphQLClient


@pytest.fixture
async def make_client(services):
    clients = []

    async def build(**settings_changes) -> GraphQLClient:
        settings = services.settings.model_copy(update=settings_changes)
        app = create_app(services=dataclasses.replace(services, settings=settings))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        clients.append(client)
        return GraphQLClient(client)

    yield build
    for client in clients:
        await client.aclose()


async def test_production_mode_turns_graphiql_and_introspection_off(make_client):
    api = await make_client(graphiql=False, introspection=False)
    page = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in page.text.lower()
    codes = await api.error_codes("{ __schema { types { name } } }")
    assert codes
    assert set(codes) == {"GRAPHQL_VALIDATION_FAILED"}


async def test_introspection_is_on_in_development(api):
    data = await api.data("{ __schema { queryType { name } } }")
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_batched_requests_are_refused_unless_enabled(api, make_client, factory):
    acme = await factory.account()
    batch = [{"query": "{ viewer { id } }"}, {"query": "{ account { name } }"}]
    headers = {"Authorization": f"Bearer {acme.owner.token}"}
    refused = await api.http.post("/graphql", json=batch, headers=headers)
    assert refused.status_code == 400
    enabled = await make_client(batch_max_operations=5)
    response = await enabled.http.post("/graphql", json=batch, headers=headers)
    assert [item["data"] is not None for item in response.json()] == [True, True]


async def test_cors_allows_only_configured_origins(make_client):
    api = await make_client(cors_origins=("https://app.example",))
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    allowed = await api.http.options(
        "/graphql", headers={"Origin": "https://app.example", **preflight}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    denied = await api.http.options(
        "/graphql", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in denied.headers


async def test_one_structured_log_line_per_request(api, factory, caplog):
    acme = await factory.account()
    with caplog.at_level(logging.INFO, logger="crm_admin.access"):
        response = await api.post(
            "query UsersPage { users { totalCount } }", token=acme.owner.token
        )
    records = [r for r in caplog.records if r.name == "crm_admin.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["operation"] == "UsersPage"
    assert line["status"] == 200
    assert line["viewer_id"] == acme.owner.id
    assert line["sql_statements"] == 3  # token check, page, count
    assert line["duration_ms"] >= 0


METRICS_TOKEN = "metrics-token-0123456789"


async def test_metrics_count_requests_by_operation(make_client, factory):
    api = await make_client(metrics_token=METRICS_TOKEN)
    acme = await factory.account()
    await api.post("query UsersPage { users { totalCount } }", token=acme.owner.token)
    metrics = await api.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics.status_code == 200
    assert 'crm_requests_total{operation="UsersPage",status="200"} 1.0' in metrics.text
    assert "crm_request_duration_seconds_bucket" in metrics.text
    assert "crm_db_pool_checked_out" in metrics.text


async def test_operation_labels_are_bounded(make_client):
    api = await make_client(metrics_token=METRICS_TOKEN, metrics_operations=("NightlyReport",))
    for name in ("Zx81q", "Qq7HJk", "Random3", "NightlyReport"):
        await api.post(f"query {name} {{ __typename }}")
    text = (
        await api.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    ).text
    assert 'crm_requests_total{operation="other",status="200"} 3.0' in text
    assert 'crm_requests_total{operation="NightlyReport",status="200"} 1.0' in text
    for name in ("Zx81q", "Qq7HJk", "Random3"):
        assert name not in text


async def test_metrics_are_private_by_default(api, make_client):
    assert (await api.http.get("/metrics")).status_code == 404
    guarded = await make_client(metrics_token=METRICS_TOKEN)
    assert (await guarded.http.get("/metrics")).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert (await guarded.http.get("/metrics", headers=wrong)).status_code == 401
