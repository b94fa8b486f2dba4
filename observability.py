"""Structured request logs, per-request SQL statement counts, and Prometheus metrics.

One JSON log line per HTTP request: request id, method, path, status, duration, GraphQL
operation name, viewer and SQL statement count. The statement count rides on a context variable
set for the request's task; SQLAlchemy's cursor events run inside that task's context (asyncio
tasks and SQLAlchemy's greenlets both inherit it), so concurrent requests never mix counts.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_CONTENT_TYPE
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import is_transaction_control

access_logger = logging.getLogger("crm_admin.access")

__all__ = ["PROMETHEUS_CONTENT_TYPE", "JsonFormatter", "Metrics", "RequestStats", "current_stats"]


@dataclass
class RequestStats:
    started: float
    statements: int = 0
    operation_name: str | None = None
    viewer_id: int | None = None


current_stats: ContextVar[RequestStats | None] = ContextVar("crm_request_stats", default=None)


def _count_statement(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    stats = current_stats.get()
    if stats is not None and not is_transaction_control(statement):
        stats.statements += 1


def count_request_statements(engine: AsyncEngine) -> None:
    """Install (once per engine) the listener that feeds ``RequestStats.statements``."""
    if not event.contains(engine.sync_engine, "before_cursor_execute", _count_statement):
        event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)


#: Operation names of the project's own clients (README walkthroughs, bench/): metric labels.
#: Anything else a client names its operation is counted as ``other``, so a client cannot add
#: series at will; ``METRICS_OPERATIONS`` adds names.
KNOWN_OPERATIONS = frozenset(
    {
        "UsersPage",
        "ContactsPage",
        "ContactUsage",
        "BillingPreview",
        "SetMarketingStatus",
        "Login",
        "anonymous query",
        "anonymous mutation",
        "-",  # not a GraphQL request (exports, probes)
    }
)


def multiprocess_directory() -> str | None:
    """Set (by ``crm-admin serve --workers N``) when several processes share the metrics."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """Prometheus metrics of one app (its own registry, so tests can build many apps).

    With several workers, prometheus_client's multiprocess mode keeps every value in files under
    ``PROMETHEUS_MULTIPROC_DIR`` and ``render`` adds up all workers.
    """

    def __init__(self, engine: AsyncEngine, extra_operations: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()
        self.known_operations = KNOWN_OPERATIONS | frozenset(extra_operations)
        self.requests = Counter(
            "crm_requests_total",
            "HTTP requests by GraphQL operation and status.",
            ["operation", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "crm_request_duration_seconds",
            "Request latency by GraphQL operation.",
            ["operation"],
            registry=self.registry,
        )
        self.statements = Histogram(
            "crm_request_sql_statements",
            "SQL statements per request.",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
            registry=self.registry,
        )
        self._pool = engine.sync_engine.pool
        # Set after every request (a callback gauge cannot cross processes); "livesum" adds up
        # the live workers' pools.
        self.pool_checked_out = Gauge(
            "crm_db_pool_checked_out",
            "Database connections in use.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "crm_db_pool_size",
            "Database pool size.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._update_pool_gauges()

    def operation_label(self, name: str | None) -> str:
        name = name or "-"
        return name if name in self.known_operations else "other"

    def observe(self, stats: RequestStats, status: int, duration: float) -> None:
        operation = self.operation_label(stats.operation_name)
        self.requests.labels(operation=operation, status=str(status)).inc()
        self.latency.labels(operation=operation).observe(duration)
        self.statements.observe(stats.statements)
        self._update_pool_gauges()

    def _update_pool_gauges(self) -> None:
        self.pool_checked_out.set(float(getattr(self._pool, "checkedout", lambda: 0)()))
        self.pool_size.set(float(getattr(self._pool, "size", lambda: 0)()))

    def render(self) -> bytes:
        self._update_pool_gauges()
        if multiprocess_directory() is None:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_worker)  # type: ignore[no-untyped-call]
        return generate_latest(every_worker)


def worker_exited() -> None:
    """Drop this process's live gauges from the shared files (multiprocess mode only)."""
    if multiprocess_directory() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def log_request(
    *, request_id: str, method: str, path: str, status: int, stats: RequestStats
) -> float:
    duration = time.perf_counter() - stats.started
    access_logger.info(
        "request",
        extra={
            "fields": {
                "request_id": request_id,
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
                "operation": stats.operation_name,
                "viewer_id": stats.viewer_id,
                "sql_statements": stats.statements,
            }
        },
    )
    return duration


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config`` for uvicorn: applied in every worker process, so the server's own lines
    and the app's request lines are JSON whatever the number of workers or ``--reload``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "observability.JsonFormatter"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["json"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False},
            "alembic": {"level": "WARNING"},
        },
    }


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


# --------------------------------------------------------------------------- tracing

#: Any of these set (and OTEL_SDK_DISABLED not "true") switches tracing on.
OTEL_SWITCHES = (
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


def tracing_requested() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name) for name in OTEL_SWITCHES)


def instrument_tracing(
    app: Any, schema: Any, engine: AsyncEngine, tracer_provider: Any | None = None
) -> bool:
    """OpenTelemetry spans for each request (ASGI), its GraphQL operation (Strawberry's
    extension) and its SQL statements (SQLAlchemy), all in the request's trace.

    On when ``tracer_provider`` is given (tests) or the standard ``OTEL_*`` variables ask for it
    and the ``otel`` extra is installed; otherwise nothing changes. Returns whether it is on.
    """
    if tracer_provider is None:
        if not tracing_requested():
            return False
        try:
            tracer_provider = _provider_from_environment()
        except ImportError:
            logging.getLogger("crm_admin").warning(
                "OTEL_* variables are set but the tracing packages are not installed: "
                "pip install 'crm-admin[otel]'"
            )
            return False
    from opentelemetry import trace
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeterProvider
    from strawberry.extensions.tracing import OpenTelemetryExtension

    # Per engine, not SQLAlchemyInstrumentor().instrument(): that one is once per process and
    # also wraps every engine created later.
    EngineTracer(  # type: ignore[no-untyped-call]
        trace.get_tracer("crm_admin.sql", tracer_provider=tracer_provider),
        engine.sync_engine,
        NoOpMeterProvider().get_meter("crm_admin").create_up_down_counter("db.connections"),
    )
    schema.extensions = [
        *schema.extensions,
        functools.partial(
            _redacting(OpenTelemetryExtension),
            tracer_provider=tracer_provider,
            arg_filter=_paging_arguments_only,
        ),
    ]
    # Outermost, so the request's server span is the root of everything the request does.
    app.add_middleware(
        OpenTelemetryMiddleware, tracer_provider=tracer_provider, exclude_spans=["receive", "send"]
    )
    return True


#: Arguments a span may show: paging and kinds. Everything else (inputs with passwords, tokens,
#: names and emails) stays out of the trace backend.
TRACED_ARGUMENTS = frozenset({"first", "after", "kind", "id"})
#: GraphQL string literals, block strings first (a password written inline in the document).
_STRING_LITERAL = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"')


def redact_literals(document: str) -> str:
    """The document with every string literal replaced, for the operation span's ``query``."""
    return _STRING_LITERAL.sub('"<redacted>"', document)


def _paging_arguments_only(arguments: dict[str, Any], _info: Any) -> dict[str, Any]:
    return {name: value for name, value in arguments.items() if name in TRACED_ARGUMENTS}


def _redacting(extension: Any) -> Any:
    """Strawberry's tracing extension whose operation span keeps the document without its
    string literals (built here: OpenTelemetry is an optional extra, imported only when on)."""
    from strawberry.extensions import LifecycleStep

    class RedactingOpenTelemetryExtension(extension):  # type: ignore[misc]
        def on_operation(self) -> Iterator[None]:
            steps = super().on_operation()
            next(steps)
            query = self.execution_context.query
            if query:
                span = self._span_holder[LifecycleStep.OPERATION]
                span.set_attribute("query", redact_literals(query))
            yield
            with contextlib.suppress(StopIteration):
                next(steps)

    return RedactingOpenTelemetryExtension


def _provider_from_environment() -> Any:
    """The process's SDK tracer provider: the one already installed (``opentelemetry-instrument``
    or the host did it), else one built from ``OTEL_SERVICE_NAME`` / ``OTEL_RESOURCE_ATTRIBUTES``
    with the exporters named in ``OTEL_TRACES_EXPORTER`` (default ``otlp``)."""
    from importlib.metadata import entry_points

    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(resource=Resource.create())
    for name in os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(","):
        name = name.strip()
        if name in {"", "none"}:
            continue
        found = list(entry_points(group="opentelemetry_traces_exporter", name=name))
        if not found:
            raise ImportError(f"no OpenTelemetry span exporter named {name!r}")
        provider.add_span_processor(BatchSpanProcessor(found[0].load()()))
    trace.set_tracer_provider(provider)
    return provider
