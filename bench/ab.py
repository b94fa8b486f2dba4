"""Before and after, side by side: ``python -m bench.ab --before REV [--db sqlite|postgres]``.

Single benchmark runs on this machine move by ±15 % (the reference alone did 41 to 69 req/s
on the users page in one morning), more than most changes gain. This runs the project at
``REV`` (a git worktree under ``$TMPDIR/crm-admin-bench/ab/``) and the working tree at once,
on the same kept benchmark database (``bench.run --reuse``'s; seeded first if missing), and
drives them in turns: for each operation, ``--rounds`` bursts of ``--seconds`` on each side (8
clients; 1 for the mutation), the order swapped every round, so drift falls on both alike. It
prints each side's throughput over all its bursts and after ÷ before. Nothing is written to
RESULTS.md. Both servers share one database: a change to the schema or the data between the
two trees is not compared fairly.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import (
    ROOT,
    Database,
    Server,
    log,
    login,
    postgres_database,
    sqlite_database,
    start_graphql,
    stop,
)
from bench.operations import OPERATIONS, Operation
from bench.run import Target, _fixture, drive

#: Outside the project, so linters and test collection never see the other checkout.
WORKTREES = Path(tempfile.gettempdir()) / "crm-admin-bench" / "ab"


@dataclass
class Side:
    name: str
    server: Server
    token: str = ""
    requests: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def checkout(revision: str) -> Path:
    """A detached worktree of ``revision`` (made once per commit, kept for the next run)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path = WORKTREES / commit[:12]
    if not path.exists():
        WORKTREES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), commit], cwd=ROOT, check=True
        )
    return path


async def compare(
    database: Database, before_tree: Path, rounds: int, seconds: float, only: set[str] | None
) -> None:
    fixture = await _fixture(database.url)
    before = Side("before", start_graphql(database.url, cwd=before_tree, name="before"))
    try:
        after = Side("after", start_graphql(database.url, name="after"))
        try:
            async with httpx.AsyncClient(timeout=60) as client:
                for side in (before, after):
                    side.token = await login(client, f"{side.server.base_url}/graphql")
            for operation in OPERATIONS:
                if only is None or operation.name in only:
                    await _alternate(operation, fixture, (before, after), rounds, seconds)
        finally:
            stop(after.server)
    finally:
        stop(before.server)


async def _alternate(
    operation: Operation,
    fixture: dict[str, object],
    sides: tuple[Side, Side],
    rounds: int,
    seconds: float,
) -> None:
    for side in sides:
        side.requests, side.seconds = 0, 0.0
    counter = [0]
    concurrency = 1 if operation.mutation else 8
    for round_number in range(rounds):
        for side in sides if round_number % 2 == 0 else sides[::-1]:
            target = Target(
                f"{side.server.base_url}/graphql", side.token, operation, dict(fixture), True
            )
            result = await drive(
                target,
                seconds=seconds,
                concurrency=concurrency,
                max_requests=1_000_000,
                counter=counter,
            )
            if result.errors:
                raise SystemExit(f"{side.name} failed {operation.name}: {result.first_error}")
            side.requests += result.requests
            side.seconds += result.seconds
    before, after = sides
    change = after.rps / before.rps if before.rps else float("nan")
    log(
        f"  {operation.name:24} before {before.rps:7.1f} req/s   after {after.rps:7.1f} req/s"
        f"   after / before {change:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("--before", required=True, help="git revision to compare against")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=3.0, help="per burst")
    parser.add_argument("--only", action="append", help="only this operation (repeatable)")
    args = parser.parse_args(argv)
    if args.rounds <= 0 or args.seconds <= 0:
        parser.error("--rounds and --seconds must be positive")
    tree = checkout(args.before)
    log(f"== {args.db}: {args.before} ({tree}) against the working tree")
    database = sqlite_database(True) if args.db == "sqlite" else postgres_database(True)
    only = set(args.only) if args.only else None
    asyncio.run(compare(database, tree, args.rounds, args.seconds, only))


if __name__ == "__main__":
    main()
