"""OpenTelemetry (the ``otel`` extra): one trace per request, with the GraphQL operation span
and the SQL statement spans inside it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from db.engine import create_engine, create_sessionmaker
from observability import tracing_requested
from resolvers.context import Services
from server import create_app

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)


@pytest.fixture
async def traced(database_url, services):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    url, search_path = database_url
    engine = create_engine(url, search_path=search_path)  # instrumented: not the shared engine
    app = create_app(
        services=Services(
            settings=services.settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            clock=services.clock,
        ),
        tracer_provider=provider,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, exporter
    await engine.dispose()
    provider.shutdown()


@pytest.mark.no_differential
async def test_each_request_is_one_trace_with_its_operation_and_sql_spans(traced, factory):
    client, exporter = traced
    acme = await factory.account()
    headers = {"Authorization": f"Bearer {acme.owner.token}"}
    for _ in range(2):
        response = await client.post(
            "/graphql", json={"query": "query UsersPage { users { totalCount } }"}, headers=headers
        )
        assert response.status_code == 200
    spans = exporter.get_finished_spans()
    traces: dict[int, list[Any]] = {}
    for span in spans:
        traces.setdefault(span.context.trace_id, []).append(span)
    assert len(traces) == 2  # one per request
    for members in traces.values():
        roots = [span for span in members if span.parent is None]
        assert [root.name for root in roots] == ["POST /graphql"]
        operation = [span for span in members if span.name.startswith("GraphQL Query")]
        assert [span.name for span in operation] == ["GraphQL Query: UsersPage"]
        sql = [span for span in members if span.name.split()[0] in {"SELECT", "INSERT", "UPDATE"}]
        assert len(sql) == 3  # token check, page, count (as the request log counts them)
        span_ids = {span.context.span_id for span in members}
        assert all(span.parent.span_id in span_ids for span in members if span.parent)


def test_tracing_is_switched_on_by_the_standard_variables(monkeypatch):
    for name in ("OTEL_SERVICE_NAME", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert not tracing_requested()
    monkeypatch.setenv("OTEL_SERVICE_NAME", "crm-admin")
    assert tracing_requested()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing_requested()


@pytest.mark.no_differential
async def test_traces_carry_no_passwords_tokens_or_personal_data(traced, factory):
    client, exporter = traced
    await factory.account()
    secret, email = "correct horse battery staple", "someone.private@acme.example"
    inline = f'mutation {{ login(input: {{email: "{email}", password: "{secret}"}}) {{ token }} }}'
    await client.post("/graphql", json={"query": inline})
    await client.post(
        "/graphql",
        json={
            "query": "mutation In($i: LoginInput!) { login(input: $i) { token } }",
            "variables": {"i": {"email": email, "password": secret}},
        },
    )
    recorded = [
        str(value) for span in exporter.get_finished_spans() for value in span.attributes.values()
    ]
    assert any("login" in value for value in recorded)  # the operation is traced...
    assert not [value for value in recorded if secret in value or email in value]  # ...not secrets
