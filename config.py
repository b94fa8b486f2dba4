"""Runtime configuration, read once from the environment.

Nothing else in the code base reads environment variables: every knob lives here so that the
README's configuration table and the code cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./crm_admin.db"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    #: "development" turns GraphiQL and introspection on; "production" turns both off by default.
    environment: str = "development"
    graphiql: bool = True
    introspection: bool = True
    session_ttl: timedelta = timedelta(days=14)
    #: Page size bounds for every Relay connection.
    default_page_size: int = 50
    max_page_size: int = 100
    #: Abuse limits per request (see schema/limits.py).
    max_query_depth: int = 12
    max_query_aliases: int = 30
    max_query_cost: int = 50_000
    max_query_tokens: int = 5_000
    #: Batched requests (a JSON array body) are refused unless this is above 0.
    batch_max_operations: int = 0
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    #: Mail (invitations, password resets). No SMTP URL: mails are logged, not sent.
    #: smtp://user:pass@host:587?starttls=true, or smtps://host:465 for TLS from the start.
    smtp_url: str | None = None
    mail_from: str = "CRM Admin <no-reply@localhost>"
    #: Base of the links in the mails, e.g. {public_url}/accept-invitation?token=...
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls) -> Settings:
        environment = os.environ.get("CRM_ENV", "development").strip().lower()
        production = environment == "production"
        origins = tuple(
            o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()
        )
        return cls(
            database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            environment=environment,
            graphiql=_flag("GRAPHIQL", not production),
            introspection=_flag("INTROSPECTION", not production),
            session_ttl=timedelta(hours=float(os.environ.get("SESSION_TTL_HOURS", 14 * 24))),
            max_query_depth=int(os.environ.get("MAX_QUERY_DEPTH", "12")),
            max_query_aliases=int(os.environ.get("MAX_QUERY_ALIASES", "30")),
            max_query_cost=int(os.environ.get("MAX_QUERY_COST", "50000")),
            max_query_tokens=int(os.environ.get("MAX_QUERY_TOKENS", "5000")),
            batch_max_operations=int(os.environ.get("GRAPHQL_BATCH_MAX_OPERATIONS", "0")),
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8000")),
            cors_origins=origins,
            smtp_url=os.environ.get("SMTP_URL") or None,
            mail_from=os.environ.get("MAIL_FROM", "CRM Admin <no-reply@localhost>"),
            public_url=os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        )
