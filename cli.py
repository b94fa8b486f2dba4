"""``crm-admin``: one entry point for running and preparing the server.

crm-admin migrate                 bring the database to the newest schema
crm-admin seed-demo [--users N --contacts N --deals N]
                                  fill an empty database with the demo (or a large data set)
crm-admin serve [--host H] [--port P] [--demo]
                                  run the server; --demo migrates and seeds an empty database
crm-admin export-schema [--output schema.graphql]
                                  print the GraphQL schema (SDL) the code serves
crm-admin config-table            print the README's configuration table (from config.Settings)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from config import Settings, SettingsInvalid

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


def _serve(settings: Settings, *, demo: bool) -> None:
    import uvicorn

    from observability import configure_logging
    from server import create_app

    if demo:
        _migrate(settings)
        asyncio.run(_seed(settings, users=None, contacts=None, deals=None, only_if_empty=True))
        print(LOGIN_HELP.format(host=settings.host, port=settings.port), flush=True)
    configure_logging()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,  # uvicorn logs through our JSON handler
        access_log=False,  # one access line per request comes from the app itself
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
    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--output", help="write to this file instead of stdout")
    commands.add_parser("config-table", help="print the README's configuration table")
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
        _serve(settings, demo=args.demo)
    elif args.command == "export-schema":
        _export_schema(args.output)


if __name__ == "__main__":
    main()
