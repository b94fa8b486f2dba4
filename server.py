"""The Starlette application: GraphQL at /graphql, health probes, request ids.

``create_app`` takes its collaborators explicitly (settings, engine, clock) so tests build the
same app the CLI serves, standing on any date and any database.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult

from config import Settings, SettingsInvalid
from db.engine import create_sessionmaker, engine_for
from db.migrate import current_revision, head_revision
from graphql_over_http import (
    GRAPHQL_RESPONSE_MEDIA_TYPE,
    is_request_error,
    prefers_graphql_response,
)
from ide import STATIC_URL, graphiql_page, graphiql_static_files
from observability import (
    PROMETHEUS_CONTENT_TYPE,
    Metrics,
    RequestStats,
    count_request_statements,
    current_stats,
    instrument_tracing,
    log_request,
    worker_exited,
)
from resolvers.auth import authenticate, bearer_token
from resolvers.billing import roll_over_if_due
from resolvers.clock import Clock, SystemClock
from resolvers.contacts.usage_history import record_usage_day
from resolvers.context import (
    RequestContext,
    RequestDatabase,
    Services,
    SessionEnded,
    with_write_retry,
)
from resolvers.export_routes import account_export_route, portfolio_export_route
from resolvers.mail import MailSender
from resolvers.scim.routes import scim_mount
from schema import build_schema
from schema.http_body import (
    MalformedRequest,
    check_request,
    decode_json,
    malformed_request_response,
)

logger = logging.getLogger("crm_admin")

REQUEST_ID_HEADER = "x-request-id"


class RequestScope:
    """Pure ASGI middleware: a request id and one ``RequestDatabase`` per HTTP request.

    The database is closed after the response is sent, whatever happened in between, and the
    request's GraphQL contexts let go of what they loaded (``RequestContext.release``).
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
        #: The GraphQL contexts of this request, released once the response is sent.
        contexts: list[RequestContext] = []
        state["contexts"] = contexts
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
            try:
                await database.close()
            finally:
                for ctx in contexts:
                    ctx.release()
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
        # Built once, at start-up: a Strawberry upgrade whose page no longer fits the vendored
        # files stops the server here (GraphiQLTemplateChanged) instead of loading from a CDN.
        self.graphiql_html = graphiql_page() if settings.graphiql else ""

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.graphiql_html)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        if prefers_graphql_response(request.headers.get("accept")):
            sub_response.headers["content-type"] = GRAPHQL_RESPONSE_MEDIA_TYPE
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response_data = await super().process_result(request, result)
        if is_request_error(result) and prefers_graphql_response(request.headers.get("accept")):
            # Nothing ran: the GraphQL-over-HTTP media type has no data entry then (status 400).
            del response_data["data"]
        return response_data

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        media_type = sub_response.headers.get("content-type")
        if media_type == GRAPHQL_RESPONSE_MEDIA_TYPE:
            response.headers["content-type"] = media_type  # one header, not JSON's and ours
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = 400
        return response

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's own refusals (a mutation over GET, an unknown operation name, another
        method) would be plain text: they are JSON GraphQL errors like every malformed request."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as refusal:
            raise MalformedRequest(refusal.reason, refusal.status_code) from None
        await response(scope, receive, send)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry's parsing, made total: any body that is not a GraphQL request raises
        ``MalformedRequest`` (answered 400 with a JSON ``BAD_REQUEST`` error), never a 500."""
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "GET":
            data: object = self.parse_query_params(request.query_params)
        elif content_type == "application/json":
            data = decode_json(await request.get_body())
        else:
            raise MalformedRequest("POST a JSON body with 'Content-Type: application/json'.")
        check_request(data)
        transport = self._get_stream_transport_from_headers(request.headers)
        protocol: GraphQLRequestProtocol = transport.protocol if transport else "http"
        operations = [
            _operation(item, protocol) for item in (data if isinstance(data, list) else [data])
        ]
        if not isinstance(data, list):
            return operations[0]
        try:
            self._validate_batch_request(operations, protocol=protocol)
        except HTTPException as refusal:
            raise MalformedRequest(refusal.reason) from refusal
        return operations

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
        state.contexts.append(ctx)
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            async with ctx.db.read() as session:
                ctx.viewer_or_none = await authenticate(session, token, ctx.now)
        viewer = ctx.viewer_or_none
        if viewer is not None:
            state.stats.viewer_id = viewer.user_id
            ctx.db.guard_writes(viewer.account_id, viewer.session_id)
            if viewer.period_ends_at is not None and viewer.period_ends_at <= ctx.now:
                # The first request after a bill date renews the period (pending removals go,
                # the invoice is written) before anything is read, so no read is stale.
                try:
                    await with_write_retry(ctx.db, lambda: _roll_over(ctx, viewer.account_id))
                except SessionEnded:  # the account closed or the session ended meanwhile
                    ctx.viewer_or_none = None
        return ctx


#: Allocations (net of frees) of container objects between two young collections. Python's
#: default, 700, runs ~20 young collections per users page, each walking the page's live rows
#: and API objects and promoting them to older generations to be walked again; reference
#: counting frees them anyway when the response is sent (``RequestContext.release``).
#: At 10 000, a page costs about one: ~1.4 ms less CPU per users page (bench/RESULTS.md,
#: "Issue 14, 2026-11-27"). With the benchmark's 8 requests in flight, ~40 000 of their
#: objects are alive at any time, so each young collection still promoted a request's worth
#: into the middle generation: at 50 000, 3-4 % more users pages a second (``bench.ab``).
YOUNG_COLLECTION_THRESHOLD = 50_000


def tune_collector_for_serving() -> None:
    """Hide what start-up built from the cyclic garbage collector (``gc.freeze``) and collect
    young objects less often.

    The schema, its plans, SQLAlchemy's metadata and every imported module live as long as the
    process; without the freeze each full collection walks all of them again (bench/RESULTS.md,
    "Issue 14, night of 2026-11-26/27": the users page's mean CPU per request fell ~10 %). Only
    a server process does this (an app built around a caller's engine, as in tests, leaves the
    caller's collector alone).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def _not_ready(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)


async def _roll_over(ctx: RequestContext, account_id: int) -> None:
    async with ctx.db.write() as session:
        if await roll_over_if_due(session, account_id, ctx.now):
            # Switched-off contacts stopped being billed: the usage chart gets today's figure.
            await record_usage_day(session, account_id, ctx.now)


def _operation(data: Any, protocol: GraphQLRequestProtocol) -> GraphQLRequestData:
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol=protocol,
    )


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    services: Services | None = None,
    tracer_provider: Any | None = None,
) -> Starlette:
    owns_engine = services is None
    if services is None:
        if settings is None:
            try:
                settings = Settings.from_env()
            except SettingsInvalid as invalid:  # e.g. ``uvicorn --factory``: one line, no trace
                raise SystemExit(f"crm-admin: {invalid}") from None
        engine = engine_for(settings)
        services = Services(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            clock=clock or SystemClock(),
        )
    graphql_app = GraphQLApp(services)
    count_request_statements(services.engine)
    settings = services.settings
    metrics = Metrics(services.engine, settings.metrics_operations)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    expected_revision = head_revision()

    async def readyz(_request: Request) -> Response:
        """Ready = the database answers and is migrated to the code's head revision."""
        try:
            revision = await asyncio.wait_for(current_revision(services.engine), timeout=5)
        except Exception as error:  # any failure means "not ready"; the probe must not crash
            logger.warning("readiness check failed: %s", error.__class__.__name__)
            return _not_ready(f"database unavailable: {error.__class__.__name__}")
        if revision != expected_revision:
            return _not_ready(
                f"database revision is {revision or 'none (not migrated)'}, "
                f"the code needs {expected_revision}: run `crm-admin migrate`"
            )
        return JSONResponse({"status": "ok", "revision": revision})

    async def metrics_endpoint(request: Request) -> Response:
        """Private by default: only with ``METRICS_TOKEN`` set and sent as a bearer token."""
        if settings.metrics_token is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        sent = bearer_token(request.headers.get("authorization")) or ""
        if not hmac.compare_digest(sent.encode(), settings.metrics_token.encode()):
            return JSONResponse(
                {"error": "send 'Authorization: Bearer <METRICS_TOKEN>'"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(metrics.render(), media_type=PROMETHEUS_CONTENT_TYPE)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The outbox sender (resolvers/mail.py) runs beside the server for its whole life.
        sender = MailSender.for_settings(settings, services.sessionmaker, services.clock)
        sender_task = asyncio.create_task(sender.run(), name="mail-sender")
        if owns_engine:
            tune_collector_for_serving()
        yield
        sender_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender_task
        worker_exited()
        if owns_engine:  # an engine handed in by the caller (tests) stays the caller's
            await services.engine.dispose()

    app = Starlette(
        lifespan=lifespan,
        exception_handlers={MalformedRequest: malformed_request_response},
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            portfolio_export_route,
            account_export_route,
            scim_mount,  # SCIM 2.0 for identity providers (resolvers/scim/routes.py)
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
        ],
    )
    app.state.services = services
    if settings.graphiql:
        app.router.routes.append(Mount(STATIC_URL.rstrip("/"), app=graphiql_static_files()))
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
    instrument_tracing(app, graphql_app.schema, services.engine, tracer_provider)

    return app
