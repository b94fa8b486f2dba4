"""``crm-admin``: one entry point for running and preparing the server.

crm-admin migrate                 bring the database to the newest schema
crm-admin seed-demo [--users N --contacts N --deals N]
                                  fill an empty database with the demo (or a large data set)
crm-admin serve [--host H] [--port P] [--workers N] [--reload] [--demo]
                                  run the server; --demo migrates and seeds an empty database
crm-admin export-schema [--output schema.graphql]
                                  print the GraphQL schema (SDL) the code serves
crm-admin config-table            print the README's configuration table (from config.Settings)
crm-admin db current              the database's migration revision and the code's head
crm-admin db revision -m "..."    autogenerate a migration from the models (database at head)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from config import Settings, SettingsInvalid

PROJECT_DIR = Path(__file__).resolve().parent

LOGIN_HELP = """\
Demo data is ready. Open http://{host}:{port}/graphql and run:

  mutation {{ login(input: {{email: "owner@acme.example", password: "demo-password"}})
             {{ token }} }}

then add the header  {{"Authorization": "Bearer <token>"}}  in GraphiQL's Headers tab.
"""


def _migrate(settings: Settings) -> None:
    from db.migrate import upgrade

    upgrade(settings.database_url)


async def _seed(
    settings: Settings,
    *,
    users: int | None,
    contacts: int | None,
    deals: int | None,
    only_if_empty: bool,
) -> bool:
    from db.demo import database_is_empty, seed_demo
    from db.engine import create_sessionmaker, engine_for
    from resolvers.clock import SystemClock

    engine = engine_for(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        if not await database_is_empty(sessionmaker):
            if only_if_empty:
                return False
            raise SystemExit("The database already holds data; seed-demo needs an empty one.")
        summary = await seed_demo(
            sessionmaker, now=SystemClock().now(), users=users, contacts=contacts, deals=deals
        )
        print(f"Seeded: {summary}")
        return True
    finally:
        await engine.dispose()


def _serve(settings: Settings, *, demo: bool, workers: int, reload: bool) -> None:
    """Run uvicorn on the app factory: the same JSON logs, request ids, proxy handling and
    bounded shutdown with one worker, several (``--workers``) or auto-reload (``--reload``)."""
    import uvicorn

    from observability import uvicorn_log_config

    if reload and settings.environment == "production":
        raise SystemExit("crm-admin: --reload is for development (CRM_ENV=production is set)")
    if reload and workers > 1:
        raise SystemExit("crm-admin: --reload runs one process; leave out --workers")
    if demo:
        _migrate(settings)
        asyncio.run(_seed(settings, users=None, contacts=None, deals=None, only_if_empty=True))
        print(LOGIN_HELP.format(host=settings.host, port=settings.port), flush=True)
    metrics_dir = _prepare_multiprocess_metrics() if workers > 1 else None
    try:
        uvicorn.run(
            "server:create_app",  # each worker builds its app (and reads the settings) itself
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            reload=reload,
            reload_dirs=[str(PROJECT_DIR)] if reload else None,
            reload_excludes=[str(PROJECT_DIR / name) for name in (".venv", "tests", "bench")]
            if reload
            else None,
            log_config=uvicorn_log_config(),  # every worker logs JSON through our formatter
            access_log=False,  # one access line per request comes from the app itself
            # h11, even when httptools is installed (uvicorn's "auto" would take it): only h11
            # has uvicorn's bound on buffered, incomplete request headers.
            http="h11",
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            timeout_graceful_shutdown=math.ceil(settings.graceful_shutdown_seconds),
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


#: What prometheus_client's multiprocess mode writes (``<kind>_<pid>.db``); nothing else in the
#: directory is touched (it may be shared with, say, a SQLite database).
PROMETHEUS_FILE_PREFIXES = ("counter_", "gauge_", "histogram_", "summary_")


def _prepare_multiprocess_metrics() -> str | None:
    """An empty ``PROMETHEUS_MULTIPROC_DIR`` the workers inherit (set before they start, since
    prometheus_client picks its storage when first imported): the operator's, emptied of the
    last run's files, else a fresh one removed at exit (returned)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            if stale.name.startswith(PROMETHEUS_FILE_PREFIXES):  # never another program's file
                stale.unlink()
        return None
    directory = tempfile.mkdtemp(prefix="crm-admin-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def _db_current(settings: Settings) -> None:
    from db.engine import engine_for
    from db.migrate import current_revision, head_revision

    async def read() -> str | None:
        engine = engine_for(settings)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    current = asyncio.run(read())
    head = head_revision()
    state = "up to date" if current == head else "run `crm-admin migrate`"
    print(f"database: {current or 'none (not migrated)'}\ncode head: {head}\n{state}")


def _db_revision(settings: Settings, message: str, rev_id: str | None) -> None:
    """A new migration file autogenerated from the difference between the models and the
    database (which must be at head): review it before committing."""
    from alembic import command

    from db.migrate import alembic_config

    command.revision(
        alembic_config(settings.database_url), message=message, autogenerate=True, rev_id=rev_id
    )


def _export_schema(output: str | None) -> None:
    from schema import print_schema

    sdl = print_schema()
    if output:
        Path(output).write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per plugin is noise
    parser = argparse.ArgumentParser(prog="crm-admin", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations")
    seed = commands.add_parser("seed-demo", help="seed an empty database with demo data")
    seed.add_argument("--users", type=int)
    seed.add_argument("--contacts", type=int)
    seed.add_argument("--deals", type=int)
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="migrate and seed an empty database")
    serve.add_argument("--workers", type=int, help="worker processes (default: WORKERS or 1)")
    serve.add_argument(
        "--reload", action="store_true", help="restart on code changes (development)"
    )
    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--output", help="write to this file instead of stdout")
    commands.add_parser("config-table", help="print the README's configuration table")
    database = commands.add_parser("db", help="migration tools for developers")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("current", help="the database's revision and the code's head")
    revision = db_commands.add_parser(
        "revision", help="autogenerate a migration from the models (database at head)"
    )
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--rev-id", help="revision id (default: random)")
    args = parser.parse_args(argv)
    if args.command == "config-table":
        from config import configuration_table

        sys.stdout.write(configuration_table())
        return

    try:
        settings = Settings.from_env()
    except SettingsInvalid as invalid:
        parser.exit(2, f"crm-admin: {invalid}\n")  # one clear line, no traceback
    if args.command == "migrate":
        _migrate(settings)
    elif args.command == "seed-demo":
        _migrate(settings)
        asyncio.run(
            _seed(
                settings,
                users=args.users,
                contacts=args.contacts,
                deals=args.deals,
                only_if_empty=False,
            )
        )
    elif args.command == "serve":
        settings = settings.model_copy(
            update={"host": args.host or settings.host, "port": args.port or settings.port}
        )
        workers = args.workers or settings.workers
        if not 1 <= workers <= 64:
            parser.error("--workers must be between 1 and 64")
        _serve(settings, demo=args.demo, workers=workers, reload=args.reload)
    elif args.command == "db" and args.db_command == "current":
        _db_current(settings)
    elif args.command == "db" and args.db_command == "revision":
        _db_revision(settings, args.message, args.rev_id)
    elif args.command == "export-schema":
        _export_schema(args.output)


if __name__ == "__main__":
    main()
