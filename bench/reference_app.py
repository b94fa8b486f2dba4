"""The hand-written reference: the benchmark's data by plain SQL, as JSON, from bare Starlette.

Every route answers what one GraphQL operation of ``bench.operations`` answers, in the same
``{"data": ...}`` shape, so the harness can check both agree. It uses the project's engine
(``db.engine.create_engine``: same driver, pool and SQLite pragmas) and SQLAlchemy Core
``text()`` statements; the pure billing rules (``resolvers.rules.billing``) do the money.

Like the GraphQL server, each request first looks up its bearer token (one statement).

Run: ``DATABASE_URL=... uvicorn bench.reference_app:create_reference_app --factory``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from config import Settings
from db.engine import WRITE_TRANSACTION, create_engine
from db.types import ScaledDecimal, UTCDateTime
from resolvers.auth.security import hash_token
from resolvers.ids import decode_typed_id, encode_cursor, encode_global_id
from resolvers.rules import billing as rules
from resolvers.rules.users import plan_add_seats

_TS = UTCDateTime()
_MONEY = ScaledDecimal(2)


def _sql(statement: str, **types: Any) -> Any:
    """A text() statement whose named result columns get the project's column types."""
    return text(statement).columns(**types)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal) -> str:
    return str(value)


@dataclass(frozen=True)
class _Viewer:
    user_id: int
    account_id: int
    is_admin: bool
    can_set_marketing_status: bool


_AUTH = text(
    """
    SELECT u.id, u.account_id, u.role, u.can_set_marketing_status
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = :token_hash AND s.revoked_at IS NULL AND s.expires_at > :now
      AND u.status = 'ACTIVE'
    """
).bindparams(bindparam("now", type_=_TS))


async def _viewer(conn: AsyncConnection, request: Request, now: datetime) -> _Viewer | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = (await conn.execute(_AUTH, {"token_hash": hash_token(token.strip()), "now": now})).first()
    if row is None:
        return None
    return _Viewer(
        user_id=int(row[0]),
        account_id=int(row[1]),
        is_admin=row[2] == "ADMIN",
        can_set_marketing_status=bool(row[3]),
    )


def _unauthenticated() -> Response:
    return JSONResponse(
        {
            "data": None,
            "errors": [{"message": "Sign in", "extensions": {"code": "UNAUTHENTICATED"}}],
        }
    )


def _display_name(row: RowMapping, viewer: _Viewer) -> str:
    if row["status"] == "DELETED":
        return f"(deleted user, ID{row['id']})" if viewer.is_admin else "(deleted user)"
    return str(row["name"] or row["email"] or f"User {row['id']}")


def _user_ref(row: RowMapping, viewer: _Viewer) -> dict[str, Any]:
    return {"id": encode_global_id("User", row["id"]), "displayName": _display_name(row, viewer)}


# --------------------------------------------------------------------------- users page

_USERS = text(
    "SELECT id, name, email, status, role FROM users WHERE account_id = :a ORDER BY id LIMIT :n"
)
_USERS_TOTAL = text("SELECT count(*) FROM users WHERE account_id = :a")
_SEATS = _sql(
    "SELECT id, user_id, status, billed_since FROM seats WHERE account_id = :a AND user_id IN :ids",
    billed_since=_TS,
).bindparams(bindparam("ids", expanding=True))
_OWNED = text(
    " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, owner_id, count(*) AS n FROM {table} "
        f"WHERE account_id = :a AND owner_id IN :ids GROUP BY owner_id"
        for kind, table in (
            ("deals", "deals"),
            ("contacts", "contacts"),
            ("leads", "leads"),
            ("organizations", "organizations"),
            ("activities", "activities"),
        )
    )
).bindparams(bindparam("ids", expanding=True))
#: First N contacts of each owner: a per-owner ``ORDER BY id LIMIT n`` that walks the
#: (account_id, owner_id, id) index (about 1 ms for 100 owners on SQLite, where a ROW_NUMBER()
#: window over all of their contacts takes about 60 ms). PostgreSQL says it with LATERAL.
_FIRST_CONTACTS_SQLITE = text(
    """
    SELECT c.id, c.owner_id, c.name, c.email, c.marketing_status
    FROM users u JOIN contacts c ON c.id IN (
      SELECT c2.id FROM contacts c2 WHERE c2.account_id = :a AND c2.owner_id = u.id
      ORDER BY c2.id LIMIT :n
    )
    WHERE u.account_id = :a AND u.id IN :ids ORDER BY c.owner_id, c.id
    """
).bindparams(bindparam("ids", expanding=True))
_FIRST_CONTACTS_POSTGRES = text(
    """
    SELECT c.id, c.owner_id, c.name, c.email, c.marketing_status
    FROM users u CROSS JOIN LATERAL (
      SELECT c2.id, c2.owner_id, c2.name, c2.email, c2.marketing_status FROM contacts c2
      WHERE c2.account_id = :a AND c2.owner_id = u.id ORDER BY c2.id LIMIT :n
    ) c
    WHERE u.account_id = :a AND u.id IN :ids ORDER BY c.owner_id, c.id
    """
).bindparams(bindparam("ids", expanding=True))
_OWNED_KINDS = ("deals", "contacts", "leads", "organizations", "activities")


def _page_info(ids: Sequence[int], has_next: bool) -> dict[str, Any]:
    return {"hasNextPage": has_next, "endCursor": encode_cursor(ids[-1]) if ids else None}


async def users_page(request: Request) -> Response:
    engine: AsyncEngine = request.app.state.engine
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        viewer = await _viewer(conn, request, now)
        if viewer is None:
            return _unauthenticated()
        a = viewer.account_id
        rows = (await conn.execute(_USERS, {"a": a, "n": 101})).mappings().all()
        total = int((await conn.execute(_USERS_TOTAL, {"a": a})).scalar_one())
        users = rows[:100]
        ids = [int(u["id"]) for u in users]
        seats = {
            int(s["user_id"]): s
            for s in (await conn.execute(_SEATS, {"a": a, "ids": ids})).mappings()
        }
        owned: dict[int, dict[str, int]] = {uid: dict.fromkeys(_OWNED_KINDS, 0) for uid in ids}
        for kind, owner_id, n in await conn.execute(_OWNED, {"a": a, "ids": ids}):
            owned[int(owner_id)][kind] = int(n)
        contacts: dict[int, list[RowMapping]] = {uid: [] for uid in ids}
        first = (
            _FIRST_CONTACTS_POSTGRES
            if conn.dialect.name == "postgresql"
            else _FIRST_CONTACTS_SQLITE
        )
        for c in (await conn.execute(first, {"a": a, "ids": ids, "n": 5})).mappings():
            contacts[int(c["owner_id"])].append(c)
    edges = []
    for u in users:
        uid = int(u["id"])
        seat = seats.get(uid)
        counts = owned[uid]
        owner = _user_ref(u, viewer)  # a user's contacts are owned by that user
        edges.append(
            {
                "node": {
                    "id": encode_global_id("User", uid),
                    "displayName": owner["displayName"],
                    "email": u["email"],
                    "status": u["status"],
                    "role": u["role"],
                    "seat": {
                        "id": encode_global_id("Seat", seat["id"]),
                        "status": seat["status"],
                        "billedSince": _iso(seat["billed_since"]),
                    }
                    if seat is not None
                    else None,
                    "ownedItems": {**counts, "total": sum(counts.values())},
                    "contacts": {
                        "edges": [
                            {
                                "node": {
                                    "id": encode_global_id("Contact", c["id"]),
                                    "name": c["name"],
                                    "email": c["email"],
                                    "marketingStatus": c["marketing_status"],
                                    "owner": owner,
                                }
                            }
                            for c in contacts[uid]
                        ]
                    },
                }
            }
        )
    data = {
        "users": {
            "totalCount": total,
            "pageInfo": _page_info(ids, len(rows) > 100),
            "edges": edges,
        }
    }
    return JSONResponse({"data": data})


# --------------------------------------------------------------------------- contacts page

_CONTACTS = _sql(
    """
    SELECT id, owner_id, name, email, marketing_status, source, billed_as_marketing_until,
           created_at
    FROM contacts WHERE account_id = :a AND marketing_status = 'MARKETING'
    ORDER BY id LIMIT :n
    """,
    billed_as_marketing_until=_TS,
    created_at=_TS,
)
_CONTACTS_TOTAL = text(
    "SELECT count(*) FROM contacts WHERE account_id = :a AND marketing_status = 'MARKETING'"
)
_USERS_BY_ID = text(
    "SELECT id, name, email, status FROM users WHERE account_id = :a AND id IN :ids"
).bindparams(bindparam("ids", expanding=True))


async def contacts_page(request: Request) -> Response:
    engine: AsyncEngine = request.app.state.engine
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        viewer = await _viewer(conn, request, now)
        if viewer is None:
            return _unauthenticated()
        a = viewer.account_id
        rows = (await conn.execute(_CONTACTS, {"a": a, "n": 101})).mappings().all()
        total = int((await conn.execute(_CONTACTS_TOTAL, {"a": a})).scalar_one())
        contacts = rows[:100]
        owner_ids = sorted({int(c["owner_id"]) for c in contacts if c["owner_id"] is not None})
        owners = {
            int(u["id"]): _user_ref(u, viewer)
            for u in (await conn.execute(_USERS_BY_ID, {"a": a, "ids": owner_ids})).mappings()
        }
    ids = [int(c["id"]) for c in contacts]
    edges = [
        {
            "cursor": encode_cursor(int(c["id"])),
            "node": {
                "id": encode_global_id("Contact", c["id"]),
                "name": c["name"],
                "email": c["email"],
                "marketingStatus": c["marketing_status"],
                "source": c["source"],
                "billedAsMarketingUntil": _iso(c["billed_as_marketing_until"]),
                "createdAt": _iso(c["created_at"]),
                "owner": owners.get(int(c["owner_id"])) if c["owner_id"] is not None else None,
            },
        }
        for c in contacts
    ]
    data = {
        "contacts": {
            "totalCount": total,
            "pageInfo": _page_info(ids, len(rows) > 100),
            "edges": edges,
        }
    }
    return JSONResponse({"data": data})


# --------------------------------------------------------------------------- contact usage

_SUBSCRIPTION = _sql(
    """
    SELECT s.currency, s.seat_price, s.period_start, s.period_end, s.contact_tier_limit,
           t.monthly_price
    FROM subscriptions s
    LEFT JOIN contact_tiers t
      ON t.account_id = s.account_id AND t.contact_limit = s.contact_tier_limit
    WHERE s.account_id = :a
    """,
    seat_price=_MONEY,
    period_start=_TS,
    period_end=_TS,
    monthly_price=_MONEY,
)
#: Two index range counts (marketing; switched off but still billed), as the server counts.
_MARKETING_COUNTS = text(
    """
    SELECT m.n, m.n + b.n FROM
      (SELECT count(*) AS n FROM contacts
        WHERE account_id = :a AND marketing_status = 'MARKETING') AS m,
      (SELECT count(*) AS n FROM contacts
        WHERE account_id = :a AND billed_as_marketing_until > :now
          AND marketing_status = 'NON_MARKETING') AS b
    """
).bindparams(bindparam("now", type_=_TS))


def _tier(sub: RowMapping) -> rules.Tier:
    price = sub["monthly_price"]
    return rules.Tier(limit=int(sub["contact_tier_limit"]), price=price or Decimal("0.00"))


async def _usage(conn: AsyncConnection, a: int, now: datetime) -> tuple[int, int]:
    marketing, billed = (await conn.execute(_MARKETING_COUNTS, {"a": a, "now": now})).one()
    return int(marketing), int(billed)


async def contact_usage(request: Request) -> Response:
    engine: AsyncEngine = request.app.state.engine
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        viewer = await _viewer(conn, request, now)
        if viewer is None:
            return _unauthenticated()
        sub = (await conn.execute(_SUBSCRIPTION, {"a": viewer.account_id})).mappings().one()
        marketing, billed = await _usage(conn, viewer.account_id, now)
    tier = _tier(sub)
    data = {
        "contactUsage": {
            "marketingContacts": marketing,
            "billedMarketingContacts": billed,
            "percentUsed": rules.percent_used(billed, tier),
            "nextUpdateDate": _iso(sub["period_end"]),
            "tier": {
                "limit": tier.limit,
                "price": {"amount": _money(tier.price), "currencyCode": sub["currency"]},
            },
        }
    }
    return JSONResponse({"data": data})


# --------------------------------------------------------------------------- billing preview

_LADDER = _sql(
    "SELECT contact_limit, monthly_price FROM contact_tiers WHERE account_id = :a "
    "ORDER BY contact_limit",
    monthly_price=_MONEY,
)
_SEAT_COUNTS = text(
    "SELECT count(*), coalesce(sum(CASE WHEN status = 'PENDING_REMOVAL' THEN 1 ELSE 0 END), 0) "
    "FROM seats WHERE account_id = :a"
)


async def _billing_state(conn: AsyncConnection, a: int) -> tuple[RowMapping, rules.BillingState]:
    sub = (await conn.execute(_SUBSCRIPTION, {"a": a})).mappings().one()
    ladder = tuple(
        rules.Tier(limit=int(limit), price=price)
        for limit, price in await conn.execute(_LADDER, {"a": a})
    )
    billable, pending = (await conn.execute(_SEAT_COUNTS, {"a": a})).one()
    state = rules.BillingState(
        currency=sub["currency"],
        seat_price=sub["seat_price"],
        period=rules.BillingPeriod(sub["period_start"], sub["period_end"]),
        billable_seats=int(billable),
        pending_removal_seats=int(pending),
        tier_ladder=ladder,
        tier=_tier(sub),
    )
    return sub, state


async def billing_preview(request: Request) -> Response:
    engine: AsyncEngine = request.app.state.engine
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        viewer = await _viewer(conn, request, now)
        if viewer is None:
            return _unauthenticated()
        _sub, state = await _billing_state(conn, viewer.account_id)
    plan = plan_add_seats(2, state.pending_removal_seats)
    change = rules.SeatChange(buy=plan.buy, cancel_removal=plan.cancel_removal)
    preview = rules.preview_seat_change(state, change, now)
    data = {
        "billingPreview": {
            "immediateCharge": {
                "amount": _money(preview.immediate_charge),
                "currencyCode": preview.currency,
            },
            "nextInvoiceBefore": {"amount": _money(preview.next_invoice_before)},
            "nextInvoiceAfter": {"amount": _money(preview.next_invoice_after)},
            "nextBillDate": _iso(preview.next_bill_date),
            "billableSeatsBefore": preview.billable_seats_before,
            "billableSeatsAfter": preview.billable_seats_after,
            "lines": [
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    "amount": {"amount": _money(line.amount)},
                    "prorated": line.prorated,
                }
                for line in preview.lines
            ],
        }
    }
    return JSONResponse({"data": data})


# --------------------------------------------------------------------------- setMarketingStatus

_LOCK_SUBSCRIPTION = text("SELECT id FROM subscriptions WHERE account_id = :a FOR UPDATE")
_EXISTING = text("SELECT id FROM contacts WHERE account_id = :a AND id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_PLAN = text(
    """
    SELECT
      coalesce(sum(CASE WHEN marketing_status = 'MARKETING'
                          OR (billed_as_marketing_until IS NOT NULL
                              AND billed_as_marketing_until > :now) THEN 1 ELSE 0 END), 0),
      coalesce(sum(CASE WHEN id IN :ids AND marketing_status != :status THEN 1 ELSE 0 END), 0),
      coalesce(sum(CASE WHEN id IN :ids AND NOT (marketing_status = 'MARKETING'
                          OR (billed_as_marketing_until IS NOT NULL
                              AND billed_as_marketing_until > :now)) THEN 1 ELSE 0 END), 0)
    FROM contacts WHERE account_id = :a
    """
).bindparams(bindparam("now", type_=_TS), bindparam("ids", expanding=True))
_SWITCH = text(
    "UPDATE contacts SET marketing_status = :status, billed_as_marketing_until = :until "
    "WHERE account_id = :a AND id IN :ids AND marketing_status != :status"
).bindparams(bindparam("until", type_=_TS), bindparam("ids", expanding=True))
_SET_TIER = text("UPDATE subscriptions SET contact_tier_limit = :limit WHERE account_id = :a")
_LEDGER = text(
    """
    INSERT INTO billing_ledger (account_id, kind, description, quantity, unit_price, amount,
      currency, prorated, period_start, period_end, effective_at, created_at, actor_user_id)
    VALUES (:a, 'CHARGE', :description, :quantity, :unit_price, :amount, :currency, :prorated,
      :period_start, :period_end, :effective_at, :now, :actor)
    """
).bindparams(
    *(bindparam(name, type_=_TS) for name in ("period_start", "period_end", "effective_at", "now")),
    *(bindparam(name, type_=_MONEY) for name in ("unit_price", "amount")),
)
_AUDIT = text(
    "INSERT INTO audit_events (account_id, actor_user_id, action, target_id, occurred_at, details) "
    "VALUES (:a, :actor, 'contact.set_marketing_status', :target, :now, :details)"
).bindparams(bindparam("now", type_=_TS))


def _mutation_error(code: str, message: str) -> Response:
    payload = {"updatedCount": 0, "usage": None, "userErrors": [{"code": code, "message": message}]}
    return JSONResponse({"data": {"setMarketingStatus": payload}})


async def set_marketing_status(request: Request) -> Response:
    """Body: ``{"ids": [global ids], "status": "MARKETING" | "NON_MARKETING"}``."""
    engine: AsyncEngine = request.app.state.engine
    now = datetime.now(UTC)
    body = json.loads(await request.body())
    status = str(body["status"])
    global_ids = [str(i) for i in body["ids"]]
    pks: list[int] = []
    for global_id in global_ids:
        pk = decode_typed_id(global_id, "Contact")
        if pk is None:
            return _mutation_error("NOT_FOUND", f"No contact with id {global_id!r}.")
        pks.append(pk)
    ids = sorted(set(pks))
    async with engine.connect() as conn:
        viewer = await _viewer(conn, request, now)
        if viewer is None:
            return _unauthenticated()
        if status == "MARKETING" and not viewer.can_set_marketing_status:
            return _mutation_error("FORBIDDEN", "No permission.")
        await conn.rollback()  # the token lookup's read transaction; the write begins now
        conn = await conn.execution_options(**{WRITE_TRANSACTION: True})
        try:
            updated, marketing, billed = await _switch_in_transaction(
                conn, viewer, ids, global_ids, pks, status, now
            )
        except _NotFoundError as error:
            return _mutation_error("NOT_FOUND", f"No contact with id {error.args[0]!r}.")
    payload = {
        "updatedCount": updated,
        "usage": {"marketingContacts": marketing, "billedMarketingContacts": billed},
        "userErrors": [],
    }
    return JSONResponse({"data": {"setMarketingStatus": payload}})


class _NotFoundError(Exception):
    pass


async def _switch_in_transaction(
    conn: AsyncConnection,
    viewer: _Viewer,
    ids: list[int],
    global_ids: list[str],
    pks: list[int],
    status: str,
    now: datetime,
) -> tuple[int, int, int]:
    """Lock, check, decide with the pure rules, update, audit: one transaction."""
    a = viewer.account_id
    async with conn.begin():
        if conn.dialect.name == "postgresql":
            await conn.execute(_LOCK_SUBSCRIPTION, {"a": a})
        sub, state = await _billing_state(conn, a)
        found = {int(pk) for (pk,) in await conn.execute(_EXISTING, {"a": a, "ids": ids})}
        if len(found) != len(ids):
            missing = next(g for g, pk in zip(global_ids, pks, strict=True) if pk not in found)
            raise _NotFoundError(missing)
        params = {"a": a, "ids": ids, "now": now, "status": status}
        billed_before, _changing, not_billed = (await conn.execute(_PLAN, params)).one()
        billed_after = int(billed_before) + (int(not_billed) if status == "MARKETING" else 0)
        preview = rules.preview_tier_change(state, billed_after, now)
        until = sub["period_end"] if status == "NON_MARKETING" else None
        updated = (await conn.execute(_SWITCH, {**params, "until": until})).rowcount
        if preview.tier_after.limit != preview.tier_before.limit:
            await conn.execute(_SET_TIER, {"a": a, "limit": preview.tier_after.limit})
            for line in preview.lines:
                await conn.execute(
                    _LEDGER,
                    {
                        "a": a,
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "amount": line.amount,
                        "currency": preview.currency,
                        "prorated": line.prorated,
                        "period_start": line.period_start,
                        "period_end": line.period_end,
                        "effective_at": rules.tier_upgrade_charge_date(now),
                        "now": now,
                        "actor": viewer.user_id,
                    },
                )
        if updated:
            details = {"status": status, "selected_by": "ids", "count": updated}
            await conn.execute(
                _AUDIT,
                {
                    "a": a,
                    "actor": viewer.user_id,
                    "target": encode_global_id("Account", a),
                    "now": now,
                    "details": json.dumps(details, sort_keys=True),
                },
            )
        marketing, billed = await _usage(conn, a, now)
    return int(updated), marketing, billed


# --------------------------------------------------------------------------- app


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_reference_app(engine: AsyncEngine | None = None) -> Starlette:
    """The reference app on ``engine`` (default: one for ``DATABASE_URL``, owned by the app)."""
    owns_engine = engine is None
    the_engine = engine or create_engine(Settings.from_env().database_url)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if owns_engine:
            await the_engine.dispose()

    app = Starlette(
        routes=[
            Route("/users-page", users_page, methods=["GET", "POST"]),
            Route("/contacts-page", contacts_page, methods=["GET", "POST"]),
            Route("/contact-usage", contact_usage, methods=["GET", "POST"]),
            Route("/billing-preview", billing_preview, methods=["GET", "POST"]),
            Route("/set-marketing-status", set_marketing_status, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
    app.state.engine = the_engine
    return app
