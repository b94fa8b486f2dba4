"""``crm-admin db current`` tells where a database stands against the code's migrations."""

from __future__ import annotations

import cli
from db.migrate import head_revision, upgrade


def test_db_current_reports_the_revision_before_and_after_migrating(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'current.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    cli.main(["db", "current"])
    assert "database: none (not migrated)" in capsys.readouterr().out
    upgrade(url)
    cli.main(["db", "current"])
    out = capsys.readouterr().out
    assert f"database: {head_revision()}" in out
    assert "up to date" in out
