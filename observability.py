"""Structured request logs, per-request SQL statement counts, and Prometheus metrics.

One JSON log line per HTTP request: request id, method, path, status, duration, GraphQL
operation name, viewer and SQL statement count. The statement count rides on a context variable
set for the request's task; SQLAlchemy's cursor events run inside that task's context (asyncio
tasks and SQLAlchemy's greenlets both inherit it), so concurrent requests never mix counts.
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
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


class Metrics:
    """Prometheus metrics of one app (its own registry, so tests can build many apps)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.registry = CollectorRegistry()
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
        pool = engine.sync_engine.pool
        checked_out = Gauge(
            "crm_db_pool_checked_out", "Database connections in use.", registry=self.registry
        )
        checked_out.set_function(lambda: float(getattr(pool, "checkedout", lambda: 0)()))
        size = Gauge("crm_db_pool_size", "Database pool size.", registry=self.registry)
        size.set_function(lambda: float(getattr(pool, "size", lambda: 0)()))

    def observe(self, stats: RequestStats, status: int, duration: float) -> None:
        operation = stats.operation_name or "-"
        self.requests.labels(operation=operation, status=str(status)).inc()
        self.latency.labels(operation=operation).observe(duration)
        self.statements.observe(stats.statements)

    def render(self) -> bytes:
        return generate_latest(self.registry)


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


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
