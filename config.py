"""Runtime configuration, read once from the environment and validated (pydantic-settings).

Nothing else in the code base reads the application's environment variables: every knob lives
here, and the README's configuration table is rendered from this class (``configuration_table``;
a test fails when they drift apart). A bad value stops start-up with one line naming the variable
(``SettingsInvalid``), never a traceback or a silent fallback.

``Settings(...)`` built in code (tests, benchmarks) takes keyword arguments and defaults only;
``Settings.from_env()`` reads the environment.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./crm_admin.db"

#: Local single-page-app dev servers (Vite, create-react-app) allowed by CORS in development.
DEVELOPMENT_CORS_ORIGINS = (
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class SettingsInvalid(Exception):
    """A variable has a value the server refuses; ``str()`` is one line per bad variable."""


def _env(name: str, shown_default: str | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {"env": name}
    if shown_default is not None:
        extra["shown_default"] = shown_default
    return {"validation_alias": name, "json_schema_extra": extra}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", case_sensitive=True
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        min_length=1,
        description="`postgresql+asyncpg://user@host:5432/db` for PostgreSQL",
        **_env("DATABASE_URL"),
    )
    environment: Environment = Field(
        Environment.DEVELOPMENT,
        description="`development`, `production` or `test`; production switches GraphiQL and "
        "introspection off by default",
        **_env("CRM_ENV"),
    )
    graphiql: bool = Field(
        True,
        description="`GET /graphql` serves GraphiQL",
        **_env("GRAPHIQL", "on unless production"),
    )
    introspection: bool = Field(
        True,
        description="schema introspection queries allowed",
        **_env("INTROSPECTION", "on unless production"),
    )
    session_ttl: timedelta = Field(
        timedelta(days=14),
        description="lifetime of a login session, in hours (positive)",
        **_env("SESSION_TTL_HOURS", "336 (14 days)"),
    )
    default_page_size: int = Field(
        50,
        ge=1,
        le=1000,
        description="page size when `first` is omitted",
        **_env("DEFAULT_PAGE_SIZE"),
    )
    max_page_size: int = Field(
        100,
        ge=1,
        le=1000,
        description="largest `first` a connection accepts",
        **_env("MAX_PAGE_SIZE"),
    )
    max_query_depth: int = Field(
        12, ge=2, le=100, description="deepest selection allowed", **_env("MAX_QUERY_DEPTH")
    )
    max_query_aliases: int = Field(
        30,
        ge=0,
        le=1000,
        description="aliases allowed in one document",
        **_env("MAX_QUERY_ALIASES"),
    )
    max_query_cost: int = Field(
        50_000,
        ge=1,
        le=10_000_000,
        description='estimated cost allowed (see "Limits")',
        **_env("MAX_QUERY_COST"),
    )
    max_query_tokens: int = Field(
        5_000,
        ge=100,
        le=1_000_000,
        description="tokens the parser reads before giving up",
        **_env("MAX_QUERY_TOKENS"),
    )
    batch_max_operations: int = Field(
        0,
        ge=0,
        le=100,
        description="JSON-array batches are refused unless this is above 0",
        **_env("GRAPHQL_BATCH_MAX_OPERATIONS", "0 (off)"),
    )
    host: str = Field(
        "127.0.0.1", min_length=1, description="where `crm-admin serve` listens", **_env("HOST")
    )
    port: int = Field(8000, ge=1, le=65535, description="port of `crm-admin serve`", **_env("PORT"))
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="worker processes of `crm-admin serve` (`--workers` overrides)",
        **_env("WORKERS"),
    )
    graceful_shutdown_seconds: float = Field(
        10.0,
        gt=0,
        le=300,
        description="on SIGTERM, how long in-flight requests may still finish",
        **_env("GRACEFUL_SHUTDOWN_SECONDS"),
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="proxies whose `X-Forwarded-For` is trusted as the client address (comma-"
        "separated, `*` for any); the per-address login throttle depends on it",
        **_env("FORWARDED_ALLOW_IPS"),
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="comma-separated SPA origins allowed to call the API from a browser",
        **_env("CORS_ORIGINS", "local Vite/CRA origins in development, else empty"),
    )
    metrics_token: str | None = Field(
        None,
        min_length=16,
        description="`GET /metrics` needs `Authorization: Bearer <token>` (at least 16 "
        "characters); unset: `/metrics` answers 404",
        **_env("METRICS_TOKEN", "unset"),
    )
    metrics_operations: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="comma-separated GraphQL operation names labelled in `/metrics` besides the "
        "built-in ones; other names count as `other`",
        **_env("METRICS_OPERATIONS", "empty"),
    )
    smtp_url: str | None = Field(
        None,
        description="mail server for invitations and password resets: "
        "`smtp://user:pass@host:587?starttls=true`, or `smtps://host:465` for TLS from the start; "
        "unset: mails are logged (with their link), not sent",
        **_env("SMTP_URL", "unset"),
    )
    mail_from: str = Field(
        "CRM Admin <no-reply@localhost>",
        min_length=3,
        description="sender of the mails",
        **_env("MAIL_FROM"),
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        min_length=1,
        description="base of the links in the mails (`{PUBLIC_URL}/accept-invitation?token=...`)",
        **_env("PUBLIC_URL"),
    )
    db_pool_size: int = Field(
        10, ge=1, le=500, description="PostgreSQL connections kept open", **_env("DB_POOL_SIZE")
    )
    db_max_overflow: int = Field(
        10, ge=0, le=500, description="extra connections under load", **_env("DB_MAX_OVERFLOW")
    )
    db_pool_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="wait for a free pooled connection before failing",
        **_env("DB_POOL_TIMEOUT_SECONDS"),
    )
    db_connect_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=600,
        description="PostgreSQL: give up opening a connection after this long",
        **_env("DB_CONNECT_TIMEOUT_SECONDS"),
    )
    db_lock_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="SQLite: how long a writer waits for the write lock (busy timeout)",
        **_env("DB_LOCK_TIMEOUT_SECONDS"),
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Built in code: keyword arguments only, so a developer's shell cannot change a test.
        return (init_settings,)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of the environment; ``SettingsInvalid`` names every bad variable."""
        try:
            return _SettingsFromEnvironment()
        except ValidationError as error:
            raise SettingsInvalid(_describe(error)) from None

    @model_validator(mode="before")
    @classmethod
    def _environment_defaults(cls, data: Any) -> Any:
        """GraphiQL, introspection and CORS defaults follow the environment when not given."""
        if not isinstance(data, dict):
            return data
        environment = str(_given(data, "environment") or Environment.DEVELOPMENT).strip().lower()
        data = dict(data)
        production = environment == Environment.PRODUCTION
        for name in ("graphiql", "introspection"):
            if _given(data, name) in (None, ""):
                data[name] = not production
        if _given(data, "cors_origins") is None and environment == Environment.DEVELOPMENT:
            data["cors_origins"] = DEVELOPMENT_CORS_ORIGINS
        return data

    @field_validator("environment", mode="before")
    @classmethod
    def _normalise_environment(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("session_ttl", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        """The variable is in hours (``SESSION_TTL_HOURS``); code may pass a ``timedelta``."""
        if isinstance(value, timedelta):
            hours = value.total_seconds() / 3600
        else:
            try:
                hours = float(value)
            except (TypeError, ValueError):
                raise ValueError("expected a number of hours") from None
        if not 0 < hours <= 24 * 366:
            raise ValueError("must be more than 0 and at most 8784 hours")
        return timedelta(hours=hours)

    @field_validator("cors_origins", "metrics_operations", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("metrics_token", "smtp_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("public_url", mode="after")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _page_sizes_agree(self) -> Settings:
        if self.default_page_size > self.max_page_size:
            raise ValueError("DEFAULT_PAGE_SIZE must not be above MAX_PAGE_SIZE")
        return self


class _SettingsFromEnvironment(Settings):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)


def _given(data: dict[str, Any], name: str) -> Any:
    """A field's value in raw input given by field name or by its variable name."""
    if name in data:
        return data[name]
    return data.get(env_name(name))


def env_name(field_name: str) -> str:
    extra = Settings.model_fields[field_name].json_schema_extra
    assert isinstance(extra, dict)
    return str(extra["env"])


def _describe(error: ValidationError) -> str:
    names = {env_name(name) for name in Settings.model_fields}
    lines = []
    for problem in error.errors():
        where = str(problem["loc"][0]) if problem["loc"] else ""
        if where in names:
            variable = where
        else:
            variable = env_name(where) if where in Settings.model_fields else "settings"
        given = problem.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"invalid setting {variable}: {message}{shown}")
    return "; ".join(lines)


def _shown_default(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    assert isinstance(extra, dict)
    if "shown_default" in extra:
        return str(extra["shown_default"])
    default = field.default
    return str(default.value if isinstance(default, StrEnum) else default)


def configuration_table() -> str:
    """The README's configuration table (markdown), one row per setting."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for field in Settings.model_fields.values():
        extra = field.json_schema_extra
        assert isinstance(extra, dict)
        rows.append(f"| `{extra['env']}` | `{_shown_default(field)}` | {field.description} |")
    return "\n".join(rows) + "\n"
