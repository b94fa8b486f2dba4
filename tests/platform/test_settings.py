"""Settings refuse nonsense with one clear line, follow the environment, and match the README."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from config import DEVELOPMENT_CORS_ORIGINS, Settings, SettingsInvalid, configuration_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("CRM_ENV", "GRAPHIQL", "INTROSPECTION", "CORS_ORIGINS", "SESSION_TTL_HOURS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CRM_ENV", "prod"),
        ("SESSION_TTL_HOURS", "-5"),
        ("SESSION_TTL_HOURS", "0"),
        ("MAX_QUERY_DEPTH", "twelve"),
        ("MAX_QUERY_DEPTH", "0"),
        ("PORT", "70000"),
        ("DB_POOL_SIZE", "0"),
        ("DB_POOL_TIMEOUT_SECONDS", "-1"),
        ("GRACEFUL_SHUTDOWN_SECONDS", "0"),
        ("METRICS_TOKEN", "short"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(clean_env, variable, value):
    clean_env.setenv(variable, value)
    with pytest.raises(SettingsInvalid) as refused:
        Settings.from_env()
    message = str(refused.value)
    assert message.startswith(f"invalid setting {variable}:")
    assert "\n" not in message


def test_start_up_stops_with_one_line_and_no_traceback():
    env = {"PATH": "", "CRM_ENV": "prod", "MAX_QUERY_DEPTH": "twelve"}
    done = subprocess.run(
        [sys.executable, "-c", "import cli; cli.main(['migrate'])"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "CRM_ENV" in done.stderr
    assert "MAX_QUERY_DEPTH" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_production_turns_graphiql_introspection_and_local_cors_off(clean_env):
    clean_env.setenv("CRM_ENV", "Production")
    settings = Settings.from_env()
    assert settings.environment == "production"
    assert (settings.graphiql, settings.introspection, settings.cors_origins) == (False, False, ())
    clean_env.setenv("CORS_ORIGINS", "https://app.example, https://admin.example")
    clean_env.setenv("GRAPHIQL", "true")
    settings = Settings.from_env()
    assert settings.cors_origins == ("https://app.example", "https://admin.example")
    assert settings.graphiql is True


def test_development_allows_the_local_spa_dev_servers(clean_env):
    settings = Settings.from_env()
    assert settings.cors_origins == DEVELOPMENT_CORS_ORIGINS
    assert "http://localhost:5173" in settings.cors_origins
    assert Settings(environment="test").cors_origins == ()


def test_values_are_read_and_typed(clean_env):
    clean_env.setenv("SESSION_TTL_HOURS", "1.5")
    clean_env.setenv("DB_POOL_SIZE", "3")
    settings = Settings.from_env()
    assert settings.session_ttl == timedelta(minutes=90)
    assert settings.db_pool_size == 3


def test_settings_built_in_code_ignore_the_environment(clean_env):
    clean_env.setenv("CRM_ENV", "production")
    settings = Settings(database_url="sqlite+aiosqlite:///x.db", max_query_depth=5)
    assert settings.environment == "development"
    assert settings.max_query_depth == 5
    with pytest.raises(ValueError, match=r"(?i)max_query_depth"):
        Settings(max_query_depth=-1)


def test_readme_configuration_table_matches_the_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| variable | default | meaning |")
    end = readme.index("<!-- end of settings table -->")
    assert readme[start:end] == configuration_table(), (
        "README's configuration table drifted: paste `crm-admin config-table` into it"
    )
