"""The peer in the benchmark: PostGraphile v4 on the same PostgreSQL database.

``bench.run`` (PostgreSQL only) installs ``postgraphile@4`` from npm into ``bench/.peers/``
(git-ignored) on first use, starts it on the seeded database and drives the users page written
for it (``PEER_USERS_PAGE``, also in bench/README.md) in the same run as this server and the
reference. PostGraphile's nested collections filter on ``owner_id`` alone; this project's indexes
lead with ``account_id``, so the benchmark database gets the peer's equivalents of them
(``PEER_INDEX_STATEMENTS``) for the peer not to be handicapped.

Its answer is checked against this server's once per run: the same users, seat statuses, the
five owned-item counts and the first five contacts with their owners.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.harness import PG_DATABASE, Server, free_port, log, stop

PEERS = Path(__file__).resolve().parent / ".peers"
POSTGRAPHILE = PEERS / "node_modules" / ".bin" / "postgraphile"
PACKAGE = "postgraphile@4"

#: Owned-item tables: the project's ``(account_id, owner_id[, id])`` indexes without
#: ``account_id``, which PostGraphile's nested filters do not name. ``(owner_id, id)`` for
#: contacts and deals matters: with a plain ``owner_id`` index PostgreSQL answers the peer's
#: "first 5 contacts of an owner by id" either by walking the primary key until it met five of
#: the owner's (0.43 ms an owner while the table lies in id order, as a fresh seed does) or by
#: sorting all of the owner's contacts (once ``setMarketingStatus`` runs rewrote the table):
#: the peer ran at two speeds, 2.7-3.1 x or 1.35-1.5 x the reference's time, by the table's
#: history (bench/RESULTS.md). The project's own index gives it those rows in order.
OWNED_TABLES = ("contacts", "deals", "leads", "organizations", "activities")
_ID_ORDERED = ("contacts", "deals")
PEER_INDEX_STATEMENTS = tuple(
    f"CREATE INDEX IF NOT EXISTS bench_peer_{table}_owner_id_id ON {table} (owner_id, id)"
    if table in _ID_ORDERED
    else f"CREATE INDEX IF NOT EXISTS bench_peer_{table}_owner_id ON {table} (owner_id)"
    for table in OWNED_TABLES
) + tuple(  # a database kept from before: its plain indexes would only be in the way
    f"DROP INDEX IF EXISTS bench_peer_{table}_owner_id" for table in _ID_ORDERED
)

#: The users page as PostGraphile v4 serves it: 100 users of the account (by id) with the
#: seat, five owned-item totalCounts, the first 5 contacts (by id) with their owner.
#: PostGraphile v4 exposes primary keys as ``id`` (its global id is ``nodeId``).
PEER_USERS_PAGE = """
query UsersPage($accountId: BigInt!) {
  allUsers(first: 100, orderBy: PRIMARY_KEY_ASC, condition: {accountId: $accountId}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id name email status role
        seatByUserId { id status billedSince }
        deals: dealsByOwnerId { totalCount }
        contactCount: contactsByOwnerId { totalCount }
        leads: leadsByOwnerId { totalCount }
        organizations: organizationsByOwnerId { totalCount }
        activities: activitiesByOwnerId { totalCount }
        contacts: contactsByOwnerId(first: 5, orderBy: PRIMARY_KEY_ASC) {
          edges { node { id name email marketingStatus userByOwnerId { id name } } }
        }
      }
    }
  }
}
"""


@dataclass(frozen=True)
class Peer:
    name: str
    server: Server
    document: str
    variables: dict[str, Any]


def ensure_postgraphile() -> bool:
    """Install PostGraphile v4 into bench/.peers once; False (with a note) if npm is missing."""
    if POSTGRAPHILE.exists():
        return True
    npm = shutil.which("npm")
    if npm is None:
        log("  peer: npm not found, PostGraphile is left out")
        return False
    PEERS.mkdir(exist_ok=True)
    log(f"  peer: npm install {PACKAGE} into {PEERS}")
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PEERS), PACKAGE],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not POSTGRAPHILE.exists():
        log(f"  peer: npm install failed: {result.stderr[-500:]}")
        return False
    return True


async def add_peer_indexes() -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database=PG_DATABASE)
    try:
        for statement in PEER_INDEX_STATEMENTS:
            await conn.execute(statement)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def start_postgraphile() -> Server:
    port = free_port()
    command = [
        str(POSTGRAPHILE),
        "--connection",
        f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}",
        "--schema",
        "public",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--disable-query-log",
    ]
    env = {**os.environ, "NODE_ENV": "production"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PEERS
    )
    server = Server("postgraphile", process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise SystemExit(f"postgraphile exited with {process.returncode}: {error[-800:]}")
        try:
            response = httpx.post(
                f"{server.base_url}/graphql", json={"query": "{ __typename }"}, timeout=1
            )
            if response.status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit("postgraphile did not answer within 60 s")


def same_page(ours: dict[str, Any], peers: dict[str, Any]) -> str | None:
    """None when both users pages hold the same data; else the first difference."""
    mine = ours["users"]
    theirs = peers["allUsers"]
    if mine["totalCount"] != theirs["totalCount"]:
        return f"totalCount {mine['totalCount']} vs {theirs['totalCount']}"
    if len(mine["edges"]) != len(theirs["edges"]):
        return f"{len(mine['edges'])} vs {len(theirs['edges'])} users"
    for edge, peer_edge in zip(mine["edges"], theirs["edges"], strict=True):
        user, peer = edge["node"], peer_edge["node"]
        owned = user["ownedItems"]
        counts = {
            "deals": peer["deals"]["totalCount"],
            "contacts": peer["contactCount"]["totalCount"],
            "leads": peer["leads"]["totalCount"],
            "organizations": peer["organizations"]["totalCount"],
            "activities": peer["activities"]["totalCount"],
        }
        if {key: owned[key] for key in counts} != counts:
            return f"user {peer['id']}: owned items {owned} vs {counts}"
        if user["email"] != peer["email"]:
            return f"user {peer['id']}: email {user['email']} vs {peer['email']}"
        seat = user["seat"]
        peer_seat = peer["seatByUserId"]
        if (seat is None) != (peer_seat is None) or (
            seat and seat["status"] != peer_seat["status"]
        ):
            return f"user {peer['id']}: seat {seat} vs {peer_seat}"
        contacts = [
            (c["node"]["name"], c["node"]["email"], c["node"]["owner"]["displayName"])
            for c in user["contacts"]["edges"]
        ]
        peer_contacts = [
            (c["node"]["name"], c["node"]["email"], c["node"]["userByOwnerId"]["name"])
            for c in peer["contacts"]["edges"]
        ]
        if [c[:2] for c in contacts] != [c[:2] for c in peer_contacts]:
            return f"user {peer['id']}: contacts {contacts} vs {peer_contacts}"
    return None
