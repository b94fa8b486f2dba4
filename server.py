"""The Starlette application: GraphQL at /graphql, health probes, request ids.

``create_app`` takes its collaborators explicitly (settings, engine, clock) so tests build the
same app the CLI serves, standing on any date and any database.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from config import Settings
from db.engine import create_engine, create_sessionmaker
from observability import (
    PROMETHEUS_CONTENT_TYPE,
    Metrics,
    RequestStats,
    count_request_statements,
    current_stats,
    log_request,
)
from resolvers.auth import authenticate, bearer_token
from resolvers.billing import roll_over_if_due
from resolvers.clock import Clock, SystemClock
from resolvers.context import RequestContext, RequestDatabase, Services
from resolvers.export_routes import account_export_route, portfolio_export_route
from schema import build_schema

logger = logging.getLogger("crm_admin")

REQUEST_ID_HEADER = "x-request-id"


class RequestScope:
    """Pure ASGI middleware: a request id and one ``RequestDatabase`` per HTTP request.

    The database is closed after the response is sent, whatever happened in between.
    """

    def __init__(self, app: ASGIApp, services: Services, metrics: Metrics) -> None:
        self.app = app
        self.services = services
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode())
        request_id = _clean_request_id(incoming) or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        database = RequestDatabase(self.services.sessionmaker)
        state["database"] = database
        stats = RequestStats(started=time.perf_counter())
        state["stats"] = stats
        token = current_stats.set(stats)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or [])
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            await database.close()
            current_stats.reset(token)
            duration = log_request(
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],
                status=status,
                stats=stats,
            )
            self.metrics.observe(stats, status, duration)


def _clean_request_id(raw: bytes | None) -> str | None:
    """Accept a caller's request id only if it is short and printable (it lands in logs)."""
    if not raw or len(raw) > 64:
        return None
    value = raw.decode("ascii", errors="ignore")
    return value if value.isprintable() and value.strip() == value and value else None


class GraphQLApp(GraphQL[RequestContext, None]):
    def __init__(self, services: Services) -> None:
        settings = services.settings
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
        )
        self.services = services

    def encode_json(self, data: object) -> str | bytes:
        """orjson: several times faster than ``json.dumps`` on large pages (bench/RESULTS.md)."""
        try:
            return orjson.dumps(data)
        except TypeError:  # what orjson refuses (e.g. an int beyond 64 bits) json.dumps writes
            return super().encode_json(data)

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        state = request.state
        ctx = RequestContext(
            services=self.services,
            db=state.database,
            now=self.services.clock.now(),
            request_id=state.request_id,
            client_address=request.client.host if request.client else None,
        )
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            async with ctx.db.read() as session:
                ctx.viewer_or_none = await authenticate(session, token, ctx.now)
        viewer = ctx.viewer_or_none
        if viewer is not None:
            state.stats.viewer_id = viewer.user_id
            if viewer.period_ends_at is not None and viewer.period_ends_at <= ctx.now:
                # The first request after a bill date renews the period (pending removals go,
                # the invoice is written) before anything is read, so no read is stale.
                async with ctx.db.write() as session:
                    await roll_over_if_due(session, viewer.account_id, ctx.now)
        return ctx


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    services: Services | None = None,
) -> Starlette:
    owns_engine = services is None
    if services is None:
        settings = settings or Settings.from_env()
        engine = create_engine(settings.database_url)
        services = Services(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            clock=clock or SystemClock(),
        )
    graphql_app = GraphQLApp(services)
    count_request_statements(services.engine)
    metrics = Metrics(services.engine)
    settings = services.settings

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            async with services.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure means "not ready"; the probe must not crash
            logger.exception("readiness check failed")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def metrics_endpoint(_request: Request) -> Response:
        return Response(metrics.render(), media_type=PROMETHEUS_CONTENT_TYPE)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if owns_engine:  # an engine handed in by the caller (tests) stays the caller's
            await services.engine.dispose()

    app = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            portfolio_export_route,
            account_export_route,
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
        ],
    )
    app.state.services = services
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER],
            max_age=600,
        )
    app.add_middleware(RequestScope, services=services, metrics=metrics)

    return app
