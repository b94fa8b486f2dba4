"""Deterministic demo data: two accounts, a portfolio, and a large mode for benchmarks.

``seed_demo(sessionmaker, now=...)`` fills an *empty* database (it refuses one that holds any
account) in one transaction. Everything is derived from ``now`` and ``random.Random(42)``, and rows
are inserted in a fixed order, so the same ``now`` gives the same rows, and the same ids on a fresh
database. Every demo user's password is ``demo-password``.

Default demo (``seed_demo(sessionmaker, now=now)``)
---------------------------------------------------

**Acme Corp** (EUR), 10 users (Nora only in the default demo, not in large mode):

=====================  ==============  =======  ===========================================
email                  name            role     notes
=====================  ==============  =======  ===========================================
owner@acme.example     Olivia Bennett  ADMIN    the account owner (also owns "Acme Group")
ana@acme.example       Ana Silva       ADMIN
ben@acme.example       Ben Okafor      REGULAR
chloe@acme.example     Chloe Martin    REGULAR
david@acme.example     David Kim       REGULAR
emma@acme.example      Emma Novak      REGULAR
farid@acme.example     Farid Haddad    REGULAR  ``can_set_marketing_status`` revoked
grace@acme.example     Grace Liu       ADMIN
henry@acme.example     Henry Walsh     REGULAR  DEACTIVATED 5 days ago with ``removeSeat``;
                                                still owns contacts, deals, leads,
                                                organizations and activities
nora@acme.example      Nora Quinn      REGULAR  added yesterday, invitation PENDING (no
                                                password); her invitation mail waits in the
                                                outbox (``make run`` logs it with its link)
=====================  ==============  =======  ===========================================

- Seats (11 billable): 9 ``OCCUPIED`` (one per active user), 1 ``FREE``, 1 ``PENDING_REMOVAL``
  (Henry's former seat, ``removal_effective_at`` = the next bill date). All billed since before
  the current period.
- Subscription: EUR, seat price 29.00, always mid-period: ``period_start`` = midnight UTC of
  ``now - 10 days``, ``period_end`` (next bill date) = the same day one month later (clamped to the
  month's last day), ``anchor_day`` = ``period_start.day``.
- Contact tier ladder: 150 → 20.00 (a starter rung, so the README walk-through can cross it),
  1 000 → 45.00, 2 000 → 90.00, 5 000 → 200.00, 10 000 → 350.00, 25 000 → 800.00; current
  tier 150 (132 billed: 88 %, just under the 90 % alert).
- 200 contacts ``contact0001@example.com`` … ``contact0200@example.com``, created over the last
  90 days: 124 ``MARKETING`` and 76 ``NON_MARKETING``; 8 of the latter were switched off marketing
  this period and stay billed until the next bill date (``billed_as_marketing_until`` =
  ``period_end``), so 132 are billed. Sources: MANUAL 49, FORM 47, IMPORT 44, INTEGRATION 26,
  API 23, CONVERSATION 11. 10 have no owner; the other 190 are spread evenly over the 9 users
  (21 or 22 each, Henry included; Nora owns nothing).
- 60 deals (EUR, 500.00 to 50 000.00), 30 leads, 25 organizations, 80 activities (some without a
  due date, some due in the future), spread evenly over the 9 users (Henry included).
- Billing ledger: the current period's ``INVOICE`` at ``period_start``: "Seats" 11 x 29.00 = 319.00
  and "Marketing contacts tier (150)" 1 x 20.00 = 20.00.
- Audit events: ``user.add`` (Grace), ``user.set_permissions`` (Farid loses
  ``canSetMarketingStatus``), ``user.deactivate`` and ``seat.remove`` (Henry),
  ``contact.set_marketing_status`` (the 8 contacts switched off marketing), ``user.add`` and
  ``invitation.send`` (Nora). Targets are
  global ids (``resolvers.ids.encode_global_id``).

**Acme Labs** (USD, seat price 19.00), 3 users, all active with occupied seats:
owner@acmelabs.example (Priya Raman, ADMIN, account owner), tom@acmelabs.example (Tom Becker,
REGULAR), lena@acmelabs.example (Lena Fischer, REGULAR). Same ladder and period dates, tier 150.
20 contacts (``labs-contact0001@example.com`` …), 10 deals (USD), 5 leads, 2 organizations,
8 activities; its own invoice (3 x 19.00 = 57.00 and 20.00) and one ``user.add`` audit event.

**Portfolio "Acme Group"**, owned by owner@acme.example (``account_id`` = Acme Corp), metric
"Revenue". Links Acme Corp (since the portfolio's creation: 00:00 UTC on the 1st of the month six
months before ``now``'s month) and Acme Labs (since ``now - 60 days``). Metric: one point per
linked account per day for the 30 days ending on ``now``'s date (4 decimal places). Billing: one
EUR row per month for the 6 complete months before ``now``'s month (``period_start`` = the 1st,
``period_end`` = the month's last day, inclusive), 199.00 + 49.00 per account linked during that
month ("Acme Group portfolio, January 2025, 2 linked accounts"), each created at 00:00 UTC on the
1st of the following month. ``billing_changed_at`` = the newest billing row's ``created_at``;
``metric_changed_at`` = 00:00 UTC of the newest point's date. No exports have been taken.

Large mode
----------
``seed_demo(..., users=U, contacts=C, deals=D)``: any of the three given replaces the Acme Corp
default (9, 200, 60). ``users`` counts the whole account and must be at least 9: the named users
above stay as they are, the others are ``user00010@acme.example`` … (REGULAR, every 50th ADMIN;
ACTIVE with an occupied seat except every 20th, which is DEACTIVATED without a seat). Leads =
``D // 2``, organizations = ``C // 8``, activities = ``2 * C // 5``; about 5 % of contacts have no
owner. The ladder gains rungs (50 000 → 1 500.00, 100 000 → 2 800.00, 250 000 → 6 500.00,
500 000 → 12 000.00, 1 000 000 → 22 000.00) only as far as the billed marketing count needs, and
the current tier is the smallest that fits. Rows go in as bulk ``INSERT`` s of 5 000 rows
(100 000 contacts with their organizations and activities: about 3 s on SQLite).
"""

from __future__ import annotations

import json
import random
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from db.engine import WRITE_TRANSACTION
from db.enums import (
    BillingItem,
    ContactSource,
    LedgerEntryKind,
    MarketingStatus,
    OutboxStatus,
    Role,
    SeatStatus,
    UserStatus,
    UserTokenPurpose,
    UserTokenState,
)
from db.models import (
    Account,
    Activity,
    AuditEvent,
    Base,
    Contact,
    ContactTier,
    Deal,
    Lead,
    LedgerEntry,
    Organization,
    OutboxMessage,
    Portfolio,
    PortfolioAccount,
    PortfolioBillingRow,
    PortfolioMetricPoint,
    Seat,
    Subscription,
    User,
    UserToken,
)
from resolvers.auth.security import hash_password, hash_token, new_token
from resolvers.ids import encode_global_id
from resolvers.rules.auth import INVITATION_TTL

__all__ = ["DEMO_PASSWORD", "DemoSummary", "database_is_empty", "seed_demo"]

DEMO_PASSWORD = "demo-password"  # noqa: S105 (documented, demo data only)
#: The demo user with a pending invitation (no password yet).
INVITED_EMAIL = "nora@acme.example"

#: Rows per bulk ``INSERT`` statement.
CHUNK_SIZE = 5000

_SEED = 42
_DAY = timedelta(days=1)
_CENT = Decimal("0.01")

#: The contact tier ladder every demo account starts with: (contact limit, monthly price).
_LADDER: tuple[tuple[int, Decimal], ...] = (
    (150, Decimal("20.00")),
    (1_000, Decimal("45.00")),
    (2_000, Decimal("90.00")),
    (5_000, Decimal("200.00")),
    (10_000, Decimal("350.00")),
    (25_000, Decimal("800.00")),
)
#: Rungs added (in order, only as far as needed) when large mode bills more marketing contacts.
_LADDER_EXTENSION: tuple[tuple[int, Decimal], ...] = (
    (50_000, Decimal("1500.00")),
    (100_000, Decimal("2800.00")),
    (250_000, Decimal("6500.00")),
    (500_000, Decimal("12000.00")),
    (1_000_000, Decimal("22000.00")),
)

_SOURCES = tuple(ContactSource)
_SOURCE_WEIGHTS = (30, 25, 20, 10, 10, 5)  # MANUAL, IMPORT, FORM, API, INTEGRATION, CONVERSATION
_MARKETING_SHARE = 0.6
_SWITCHED_OFF_SHARE = 0.1  # of non-marketing contacts: left marketing this period, still billed
_UNOWNED_CONTACT_SHARE = 0.05

_FIRST_NAMES = (
    "Aaliyah", "Adam", "Aisha", "Alejandro", "Alice", "Amir", "Anna", "Arjun", "Beatriz", "Carlos",
    "Chen", "Clara", "Daniel", "Elena", "Emil", "Fatima", "Felix", "Gabriel", "Hana", "Hugo",
    "Ines", "Isaac", "Jonas", "Julia", "Kai", "Karin", "Leila", "Liam", "Lucia", "Marco",
    "Maria", "Mateo", "Mei", "Mohammed", "Nadia", "Nina", "Noah", "Omar", "Oskar", "Paula",
    "Rafael", "Rosa", "Samuel", "Sara", "Sofia", "Tariq", "Theo", "Valentina", "Yusuf", "Zoe",
)  # fmt: skip
_LAST_NAMES = (
    "Abbott", "Alvarez", "Andersen", "Baker", "Bianchi", "Brennan", "Castillo", "Chowdhury",
    "Costa", "Dubois", "Eriksson", "Fernandes", "Fischer", "Garcia", "Gonzalez", "Hansen",
    "Hoffmann", "Ito", "Jansen", "Jovanovic", "Kaur", "Kowalski", "Larsen", "Lopez", "Meyer",
    "Moreau", "Murphy", "Nakamura", "Nguyen", "Nowak", "O'Brien", "Okonkwo", "Patel", "Petrov",
    "Quinn", "Rahman", "Reyes", "Rossi", "Sato", "Schmidt", "Silva", "Smith", "Suzuki", "Tanaka",
    "Torres", "Varga", "Weber", "Williams", "Yilmaz", "Zhang",
)  # fmt: skip
_COMPANY_PREFIXES = (
    "Alder", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
    "Kestrel", "Lumen", "Maple", "Nimbus", "Orchid", "Pine", "Quartz", "Riverside", "Summit",
    "Tidal", "Umber", "Vertex", "Willow", "Yarrow", "Zenith",
)  # fmt: skip
_COMPANY_SUFFIXES = (
    "Analytics", "Bakery", "Consulting", "Foods", "Health", "Labs", "Logistics", "Media",
    "Partners", "Robotics", "Software", "Studios", "Systems", "Travel", "Ventures",
)  # fmt: skip
_DEAL_KINDS = (
    "annual subscription", "pilot project", "enterprise upgrade", "renewal",
    "onboarding package", "support contract", "seat expansion", "consulting retainer",
)  # fmt: skip
_LEAD_KINDS = (
    "website enquiry", "webinar sign-up", "trade show contact", "referral",
    "pricing page visit", "reply to outreach",
)  # fmt: skip
_ACTIVITY_KINDS = ("Call", "Meeting", "Email", "Demo", "Lunch", "Follow-up")


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind ``seed_demo`` inserted (all accounts together)."""

    accounts: int
    users: int
    contacts: int
    deals: int
    leads: int = 0
    organizations: int = 0
    activities: int = 0
    seats: int = 0
    ledger_entries: int = 0
    audit_events: int = 0
    portfolios: int = 0


@dataclass(frozen=True)
class _DemoUser:
    name: str
    email: str
    role: Role
    joined_days_ago: int
    is_account_owner: bool = False
    can_set_marketing_status: bool = True
    #: Deactivated this many days ago (with ``removeSeat``: the seat is pending removal).
    deactivated_days_ago: int | None = None


@dataclass(frozen=True)
class _AccountPlan:
    name: str
    currency: str
    seat_price: Decimal
    created_days_ago: int
    users: tuple[_DemoUser, ...]
    extra_users: int
    free_seat_ages_days: tuple[int, ...]
    contacts: int
    contact_email: str  # ``str.format`` pattern with ``{n}`` (the contact's 1-based number)
    deals: int
    leads: int
    organizations: int
    activities: int


_ACME_CORP_USERS = (
    _DemoUser("Olivia Bennett", "owner@acme.example", Role.ADMIN, 400, is_account_owner=True),
    _DemoUser("Ana Silva", "ana@acme.example", Role.ADMIN, 380),
    _DemoUser("Ben Okafor", "ben@acme.example", Role.REGULAR, 350),
    _DemoUser("Chloe Martin", "chloe@acme.example", Role.REGULAR, 300),
    _DemoUser("David Kim", "david@acme.example", Role.REGULAR, 260),
    _DemoUser("Emma Novak", "emma@acme.example", Role.REGULAR, 220),
    _DemoUser(
        "Farid Haddad", "farid@acme.example", Role.REGULAR, 180, can_set_marketing_status=False
    ),
    _DemoUser("Grace Liu", "grace@acme.example", Role.ADMIN, 150),
    _DemoUser("Henry Walsh", "henry@acme.example", Role.REGULAR, 330, deactivated_days_ago=5),
)
_ACME_LABS_USERS = (
    _DemoUser("Priya Raman", "owner@acmelabs.example", Role.ADMIN, 200, is_account_owner=True),
    _DemoUser("Tom Becker", "tom@acmelabs.example", Role.REGULAR, 190),
    _DemoUser("Lena Fischer", "lena@acmelabs.example", Role.REGULAR, 120),
)
_DEFAULT_USERS = len(_ACME_CORP_USERS)
_DEFAULT_CONTACTS = 200
_DEFAULT_DEALS = 60


class _Owner(NamedTuple):
    """A possible owner of items, with the window in which they could have created them."""

    id: int
    created_at: datetime
    deactivated_at: datetime | None


@dataclass
class _Period:
    start: datetime
    end: datetime


@dataclass
class _SeededAccount:
    id: int
    created_at: datetime
    user_ids: dict[str, int]
    users: list[_Owner]
    pending_removal_seat_id: int | None
    switched_off_contacts: int
    owned_by: dict[int, dict[str, int]] = field(default_factory=dict)


@dataclass
class _Counter:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, model: type[Base], n: int) -> None:
        key = str(model.__tablename__)
        self.counts[key] = self.counts.get(key, 0) + n

    def __getitem__(self, model: type[Base]) -> int:
        return self.counts.get(str(model.__tablename__), 0)


async def database_is_empty(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """True when no account exists (the only state ``seed_demo`` accepts)."""
    async with sessionmaker() as session:
        return not await _any_account(session)


async def seed_demo(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    users: int | None = None,
    contacts: int | None = None,
    deals: int | None = None,
    public_url: str | None = None,
) -> DemoSummary:
    """Seed an EMPTY database with the demo described in this module's docstring.

    Deterministic: the same ``now`` (and sizes) gives the same rows. Raises ``RuntimeError`` when
    any account exists and ``ValueError`` for a naive ``now`` or impossible sizes.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    user_count = _DEFAULT_USERS if users is None else users
    contact_count = _DEFAULT_CONTACTS if contacts is None else contacts
    deal_count = _DEFAULT_DEALS if deals is None else deals
    if user_count < _DEFAULT_USERS:
        raise ValueError(f"users must be at least {_DEFAULT_USERS} (the named demo users)")
    if contact_count < 0 or deal_count < 0:
        raise ValueError("contacts and deals must not be negative")
    public_url = public_url or Settings.from_env().public_url

    clock = now.astimezone(UTC).replace(microsecond=0)
    period = _current_period(clock)
    rng = random.Random(_SEED)  # noqa: S311 (reproducible demo data, not secrets)
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow: one hash for every user
    counter = _Counter()

    acme_corp = _AccountPlan(
        name="Acme Corp",
        currency="EUR",
        seat_price=Decimal("29.00"),
        created_days_ago=400,
        users=_ACME_CORP_USERS,
        extra_users=user_count - _DEFAULT_USERS,
        free_seat_ages_days=(300, 90),
        contacts=contact_count,
        contact_email="contact{n}@example.com",
        deals=deal_count,
        leads=deal_count // 2,
        organizations=contact_count // 8,
        activities=2 * contact_count // 5,
    )
    acme_labs = _AccountPlan(
        name="Acme Labs",
        currency="USD",
        seat_price=Decimal("19.00"),
        created_days_ago=200,
        users=_ACME_LABS_USERS,
        extra_users=0,
        free_seat_ages_days=(),
        contacts=20,
        contact_email="labs-contact{n}@example.com",
        deals=10,
        leads=5,
        organizations=2,
        activities=8,
    )

    async with sessionmaker() as session, session.begin():
        # BEGIN IMMEDIATE on SQLite: the emptiness check and the inserts are one write transaction.
        await session.connection(execution_options={WRITE_TRANSACTION: True})
        if await _any_account(session):
            raise RuntimeError("the database already holds accounts; demo data needs an empty one")
        corp = await _seed_account(session, rng, counter, acme_corp, clock, period, password_hash)
        await _corp_audit_events(session, counter, corp, clock, period)
        labs = await _seed_account(session, rng, counter, acme_labs, clock, period, password_hash)
        await _labs_audit_events(session, counter, labs)
        await _seed_portfolio(session, rng, counter, clock, corp, labs)
        if users is None:  # large mode keeps its exact user count (benchmarks rely on it)
            await _seed_pending_invitation(session, counter, corp, clock, public_url)

    return DemoSummary(
        accounts=counter[Account],
        users=counter[User],
        contacts=counter[Contact],
        deals=counter[Deal],
        leads=counter[Lead],
        organizations=counter[Organization],
        activities=counter[Activity],
        seats=counter[Seat],
        ledger_entries=counter[LedgerEntry],
        audit_events=counter[AuditEvent],
        portfolios=counter[Portfolio],
    )


async def _any_account(session: AsyncSession) -> bool:
    return (await session.scalar(select(Account.id).limit(1))) is not None


# --- calendar ----------------------------------------------------------------------------------


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _add_months(moment: datetime, months: int, anchor_day: int) -> datetime:
    """``moment`` moved by whole months onto ``anchor_day``, clamped to the month's last day."""
    years, month_index = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month_index + 1
    return moment.replace(year=year, month=month, day=min(anchor_day, monthrange(year, month)[1]))


def _current_period(now: datetime) -> _Period:
    """Always mid-period: it started at midnight UTC ten days ago and lasts one month."""
    start = _midnight(now - 10 * _DAY)
    return _Period(start=start, end=_add_months(start, 1, start.day))


def _first_of_month(moment: datetime, months: int = 0) -> datetime:
    return _add_months(_midnight(moment).replace(day=1), months, 1)


# --- generators --------------------------------------------------------------------------------


def _moment(rng: random.Random, earliest: datetime, latest: datetime) -> datetime:
    """A whole-second instant in ``[earliest, latest]`` (``latest`` if the window is empty)."""
    span = int((latest - earliest).total_seconds())
    return latest - timedelta(seconds=rng.randrange(span + 1)) if span > 0 else latest


def _item_moment(
    rng: random.Random,
    owner: _Owner | None,
    account_created_at: datetime,
    now: datetime,
    window: timedelta,
) -> datetime:
    """When an item was created: within ``window`` before ``now``, while its owner was active."""
    earliest = max(now - window, owner.created_at if owner else account_created_at)
    latest = owner.deactivated_at if owner and owner.deactivated_at else now
    return _moment(rng, min(earliest, latest), latest)


def _spread_owners(rng: random.Random, owners: Sequence[_Owner], count: int) -> list[_Owner]:
    """``count`` owners taken evenly from ``owners``, shuffled."""
    slots = [owners[i % len(owners)] for i in range(count)]
    rng.shuffle(slots)
    return slots


def _spread_owners_or_none(
    rng: random.Random, owners: Sequence[_Owner], count: int, unowned: int
) -> list[_Owner | None]:
    """Like ``_spread_owners``, with ``unowned`` of the ``count`` slots left without an owner."""
    unowned = min(unowned, count)
    slots: list[_Owner | None] = [None] * unowned
    slots.extend(owners[i % len(owners)] for i in range(count - unowned))
    rng.shuffle(slots)
    return slots


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


def _company_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct company names (numbered once the combinations run out)."""
    combos = [f"{p} {s}" for p in _COMPANY_PREFIXES for s in _COMPANY_SUFFIXES]
    rng.shuffle(combos)
    return [
        combos[i % len(combos)] + (f" {i // len(combos) + 1}" if i >= len(combos) else "")
        for i in range(count)
    ]


def _money(rng: random.Random, low_cents: int, high_cents: int) -> Decimal:
    return Decimal(rng.randrange(low_cents, high_cents + 1)).scaleb(-2).quantize(_CENT)


def _contact_ladder(billed: int) -> list[tuple[int, Decimal]]:
    ladder = list(_LADDER)
    extension = iter(_LADDER_EXTENSION)
    while ladder[-1][0] < billed:
        rung = next(extension, None)
        if rung is None:
            raise ValueError(f"{billed} billed marketing contacts exceed the demo tier ladder")
        ladder.append(rung)
    return ladder


# --- inserts -----------------------------------------------------------------------------------


async def _insert(
    session: AsyncSession, counter: _Counter, model: type[Base], rows: list[dict[str, Any]]
) -> None:
    """Bulk INSERT in chunks, in list order (so ids follow it on a fresh database).

    A Core INSERT of the model's table: one ``executemany`` per chunk. (The ORM bulk path is ~20 %
    slower here, and without ``render_nulls`` it splits rows whose NULLs sit in different columns
    into separate batches.)
    """
    table = Base.metadata.tables[str(model.__tablename__)]
    for start in range(0, len(rows), CHUNK_SIZE):
        await session.execute(insert(table), rows[start : start + CHUNK_SIZE])
    counter.add(model, len(rows))


async def _insert_returning_ids(
    session: AsyncSession, counter: _Counter, model: type[Base], rows: list[dict[str, Any]]
) -> list[int]:
    """Like ``_insert``, and hands back the new ids in the order of ``rows``."""
    id_column = model.__table__.c.id
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK_SIZE):
        result = await session.scalars(
            insert(model).returning(id_column, sort_by_parameter_order=True),
            rows[start : start + CHUNK_SIZE],
            execution_options={"render_nulls": True},  # keep NULL-varying rows in one batch
        )
        ids.extend(result.all())
    counter.add(model, len(rows))
    return ids


async def _insert_one(
    session: AsyncSession, counter: _Counter, model: type[Base], row: dict[str, Any]
) -> int:
    table = model.__table__
    pk: int = (await session.execute(insert(model).values(row).returning(table.c.id))).scalar_one()
    counter.add(model, 1)
    return pk


async def _seed_account(
    session: AsyncSession,
    rng: random.Random,
    counter: _Counter,
    plan: _AccountPlan,
    now: datetime,
    period: _Period,
    password_hash: str,
) -> _SeededAccount:
    """One account with everything in it, inserted (and drawing from ``rng``) in a fixed order."""
    created_at = now - plan.created_days_ago * _DAY
    account_id = await _insert_one(
        session, counter, Account, {"name": plan.name, "created_at": created_at}
    )

    user_rows = _user_rows(rng, plan, account_id, created_at, now, password_hash)
    user_ids = await _insert_returning_ids(session, counter, User, user_rows)
    owners = [
        _Owner(pk, row["created_at"], row["deactivated_at"])
        for pk, row in zip(user_ids, user_rows, strict=True)
    ]

    seat_rows, pending_index = _seat_rows(plan, account_id, owners, now, period)
    seat_ids = await _insert_returning_ids(session, counter, Seat, seat_rows)

    contact_rows = _contact_rows(rng, plan, account_id, owners, created_at, now, period)
    await _insert(session, counter, Contact, contact_rows)
    billed = sum(
        row["marketing_status"] is MarketingStatus.MARKETING
        or row["billed_as_marketing_until"] is not None
        for row in contact_rows
    )
    await _seed_billing(session, counter, plan, account_id, period, len(seat_rows), billed)

    items = _item_rows(rng, plan, account_id, owners, created_at, now)
    for model, rows in items.items():
        await _insert(session, counter, model, rows)

    owned_rows: dict[type[Base], list[dict[str, Any]]] = {Contact: contact_rows}
    owned_rows.update(items)
    owned_by: dict[int, dict[str, int]] = {}  # user id -> table name -> items owned
    for model, rows in owned_rows.items():
        for row in rows:
            if row["owner_id"] is not None:
                counts = owned_by.setdefault(row["owner_id"], {})
                kind = str(model.__tablename__)
                counts[kind] = counts.get(kind, 0) + 1

    return _SeededAccount(
        id=account_id,
        created_at=created_at,
        user_ids={str(row["email"]): pk for pk, row in zip(user_ids, user_rows, strict=True)},
        users=owners,
        pending_removal_seat_id=None if pending_index is None else seat_ids[pending_index],
        switched_off_contacts=sum(
            row["billed_as_marketing_until"] is not None for row in contact_rows
        ),
        owned_by=owned_by,
    )


def _user_rows(
    rng: random.Random,
    plan: _AccountPlan,
    account_id: int,
    account_created_at: datetime,
    now: datetime,
    password_hash: str,
) -> list[dict[str, Any]]:
    """The named users, then the generated ones of large mode."""
    rows: list[dict[str, Any]] = []
    for demo_user in plan.users:
        deactivated_at = (
            None
            if demo_user.deactivated_days_ago is None
            else now - demo_user.deactivated_days_ago * _DAY
        )
        rows.append(
            _user_row(
                account_id,
                demo_user.name,
                demo_user.email,
                demo_user.role,
                password_hash,
                now - demo_user.joined_days_ago * _DAY,
                deactivated_at,
                is_account_owner=demo_user.is_account_owner,
                can_set_marketing_status=demo_user.can_set_marketing_status,
            )
        )
    width = max(5, len(str(len(plan.users) + plan.extra_users)))
    for n in range(len(plan.users) + 1, len(plan.users) + plan.extra_users + 1):
        joined = _moment(rng, account_created_at, now - 100 * _DAY)
        deactivated = _moment(rng, now - 60 * _DAY, now - _DAY) if n % 20 == 0 else None
        rows.append(
            _user_row(
                account_id,
                _person_name(rng),
                f"user{n:0{width}d}@acme.example",
                Role.ADMIN if n % 50 == 0 else Role.REGULAR,
                password_hash,
                joined,
                deactivated,
            )
        )
    return rows


def _seat_rows(
    plan: _AccountPlan, account_id: int, users: list[_Owner], now: datetime, period: _Period
) -> tuple[list[dict[str, Any]], int | None]:
    """An occupied seat per active user; a deactivated *named* user's seat awaits removal (the
    generated ones of large mode left without one); then the free seats. Also the index of the
    pending-removal seat."""
    rows: list[dict[str, Any]] = []
    pending_index: int | None = None
    for index, user in enumerate(users):
        if user.deactivated_at is None:
            rows.append(_seat_row(account_id, SeatStatus.OCCUPIED, user.created_at, user.id))
        elif index < len(plan.users):
            pending_index = len(rows)
            rows.append(
                _seat_row(account_id, SeatStatus.PENDING_REMOVAL, user.created_at, None)
                | {"removal_effective_at": period.end}
            )
    rows.extend(
        _seat_row(account_id, SeatStatus.FREE, now - age * _DAY, None)
        for age in plan.free_seat_ages_days
    )
    return rows, pending_index


def _contact_rows(
    rng: random.Random,
    plan: _AccountPlan,
    account_id: int,
    owners: list[_Owner],
    account_created_at: datetime,
    now: datetime,
    period: _Period,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    number_width = max(4, len(str(plan.contacts)))
    unowned = round(plan.contacts * _UNOWNED_CONTACT_SHARE)
    slots = _spread_owners_or_none(rng, owners, plan.contacts, unowned)
    for n, owner in enumerate(slots, start=1):
        source = rng.choices(_SOURCES, weights=_SOURCE_WEIGHTS)[0]
        marketing = rng.random() < _MARKETING_SHARE
        # Some non-marketing contacts left marketing this period: billed until the next bill date.
        switched_off = not marketing and rng.random() < _SWITCHED_OFF_SHARE
        rows.append(
            {
                "account_id": account_id,
                "owner_id": owner.id if owner else None,
                "name": _person_name(rng),
                "email": plan.contact_email.format(n=f"{n:0{number_width}d}"),
                "marketing_status": (
                    MarketingStatus.MARKETING if marketing else MarketingStatus.NON_MARKETING
                ),
                "source": source,
                "billed_as_marketing_until": period.end if switched_off else None,
                "created_at": _item_moment(rng, owner, account_created_at, now, 90 * _DAY),
            }
        )
    return rows


async def _seed_billing(
    session: AsyncSession,
    counter: _Counter,
    plan: _AccountPlan,
    account_id: int,
    period: _Period,
    billable_seats: int,
    billed_contacts: int,
) -> None:
    """The subscription, its tier ladder, and the current period's invoice."""
    ladder = _contact_ladder(billed_contacts)
    tier_limit, tier_price = next(rung for rung in ladder if rung[0] >= billed_contacts)
    await _insert_one(
        session,
        counter,
        Subscription,
        {
            "account_id": account_id,
            "currency": plan.currency,
            "seat_price": plan.seat_price,
            "period_start": period.start,
            "period_end": period.end,
            "anchor_day": period.start.day,
            "contact_tier_limit": tier_limit,
        },
    )
    await _insert(
        session,
        counter,
        ContactTier,
        [
            {"account_id": account_id, "contact_limit": limit, "monthly_price": price}
            for limit, price in ladder
        ],
    )
    invoice = f"invoice-{account_id}-{period.start:%Y%m%d}"
    lines = [
        ("Seats", billable_seats, plan.seat_price),
        (f"Marketing contacts tier ({tier_limit})", 1, tier_price),
    ]
    await _insert(
        session,
        counter,
        LedgerEntry,
        [
            _invoice_row(account_id, plan.currency, period, invoice, description, quantity, price)
            for description, quantity, price in lines
        ],
    )


def _item_rows(
    rng: random.Random,
    plan: _AccountPlan,
    account_id: int,
    owners: list[_Owner],
    account_created_at: datetime,
    now: datetime,
) -> dict[type[Base], list[dict[str, Any]]]:
    """Deals, leads, organizations and activities, each owned by one of ``owners``."""

    def created(owner: _Owner, window_days: int) -> datetime:
        return _item_moment(rng, owner, account_created_at, now, window_days * _DAY)

    companies = _company_names(rng, max(plan.organizations, 50))
    deals = [
        {
            "account_id": account_id,
            "owner_id": owner.id,
            "title": f"{rng.choice(companies)}: {rng.choice(_DEAL_KINDS)}",
            "value": _money(rng, 50_000, 5_000_000),
            "currency": plan.currency,
            "created_at": created(owner, 120),
        }
        for owner in _spread_owners(rng, owners, plan.deals)
    ]
    leads = [
        {
            "account_id": account_id,
            "owner_id": owner.id,
            "title": f"{rng.choice(companies)}: {rng.choice(_LEAD_KINDS)}",
            "created_at": created(owner, 60),
        }
        for owner in _spread_owners(rng, owners, plan.leads)
    ]
    organizations = [
        {
            "account_id": account_id,
            "owner_id": owner.id,
            "name": name,
            "created_at": created(owner, 365),
        }
        for name, owner in zip(
            companies, _spread_owners(rng, owners, plan.organizations), strict=False
        )
    ]
    activities: list[dict[str, Any]] = []
    for owner in _spread_owners(rng, owners, plan.activities):
        activity_created = created(owner, 60)
        due_at = None
        if rng.random() >= 0.1:  # 10 % have no due date; the others fall due within 3 weeks
            due_at = activity_created + timedelta(hours=rng.randrange(1, 21 * 24))
        activities.append(
            {
                "account_id": account_id,
                "owner_id": owner.id,
                "subject": f"{rng.choice(_ACTIVITY_KINDS)}: {rng.choice(companies)}",
                "due_at": due_at,
                "created_at": activity_created,
            }
        )
    return {Deal: deals, Lead: leads, Organization: organizations, Activity: activities}


def _user_row(
    account_id: int,
    name: str,
    email: str,
    role: Role,
    password_hash: str,
    created_at: datetime,
    deactivated_at: datetime | None,
    *,
    is_account_owner: bool = False,
    can_set_marketing_status: bool = True,
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "name": name,
        "email": email,
        "email_normalized": email.lower(),
        "photo_url": None,
        "password_hash": password_hash,
        "status": UserStatus.ACTIVE if deactivated_at is None else UserStatus.DEACTIVATED,
        "role": role,
        "is_account_owner": is_account_owner,
        "can_set_marketing_status": can_set_marketing_status,
        "created_at": created_at,
        "deactivated_at": deactivated_at,
        "deleted_at": None,
    }


def _seat_row(
    account_id: int, status: SeatStatus, billed_since: datetime, user_id: int | None
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "status": status,
        "user_id": user_id,
        "billed_since": billed_since,
        "removal_effective_at": None,
    }


def _invoice_row(
    account_id: int,
    currency: str,
    period: _Period,
    operation_id: str,
    description: str,
    quantity: int,
    unit_price: Decimal,
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "kind": LedgerEntryKind.INVOICE,
        "item": BillingItem.CONTACT_TIER if "tier" in description else BillingItem.SEATS,
        "description": description,
        "quantity": quantity,
        "unit_price": unit_price,
        "amount": (unit_price * quantity).quantize(_CENT),
        "currency": currency,
        "prorated": False,
        "period_start": period.start,
        "period_end": period.end,
        "effective_at": period.start,
        "created_at": period.start,
        "actor_user_id": None,
        "operation_id": operation_id,
    }


# --- audit trail -------------------------------------------------------------------------------


def _audit_row(
    account_id: int,
    actor_user_id: int | None,
    action: str,
    target_id: str | None,
    occurred_at: datetime,
    **details: Any,
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "actor_user_id": actor_user_id,
        "action": action,
        "target_id": target_id,
        "occurred_at": occurred_at,
        # As ``resolvers.audit.record`` writes them.
        "details": json.dumps(details, sort_keys=True, default=str),
    }


async def _corp_audit_events(
    session: AsyncSession, counter: _Counter, corp: _SeededAccount, now: datetime, period: _Period
) -> None:
    owner = corp.user_ids["owner@acme.example"]
    ana = corp.user_ids["ana@acme.example"]
    grace = corp.user_ids["grace@acme.example"]
    farid = corp.user_ids["farid@acme.example"]
    henry = corp.user_ids["henry@acme.example"]
    henry_deactivated_at = next(u.deactivated_at for u in corp.users if u.id == henry)
    assert henry_deactivated_at is not None
    henry_owns = {
        kind: corp.owned_by.get(henry, {}).get(kind, 0)
        for kind in ("deals", "contacts", "leads", "organizations", "activities")
    }
    assert corp.pending_removal_seat_id is not None
    seat = encode_global_id("Seat", corp.pending_removal_seat_id)
    rows = [
        _audit_row(
            corp.id,
            owner,
            "user.add",
            encode_global_id("User", grace),
            now - 150 * _DAY,
            role="ADMIN",
            seat_purchased=False,
        ),
        _audit_row(
            corp.id,
            ana,
            "user.set_permissions",
            encode_global_id("User", farid),
            now - 30 * _DAY,
            can_set_marketing_status={"from": True, "to": False},
        ),
        _audit_row(
            corp.id,
            owner,
            "user.deactivate",
            encode_global_id("User", henry),
            henry_deactivated_at,
            remove_seat=True,
            owned_items=henry_owns | {"total": sum(henry_owns.values())},
        ),
        _audit_row(
            corp.id,
            owner,
            "seat.remove",
            seat,
            henry_deactivated_at,
            seat=seat,
            effective_at=period.end.isoformat(),
        ),
        _audit_row(
            corp.id,
            ana,
            "contact.set_marketing_status",
            None,
            now - 2 * _DAY,
            status="NON_MARKETING",
            count=corp.switched_off_contacts,
            billed_as_marketing_until=period.end.isoformat(),
        ),
    ]
    await _insert(session, counter, AuditEvent, rows)


async def _labs_audit_events(
    session: AsyncSession, counter: _Counter, labs: _SeededAccount
) -> None:
    lena = labs.user_ids["lena@acmelabs.example"]
    row = _audit_row(
        labs.id,
        labs.user_ids["owner@acmelabs.example"],
        "user.add",
        encode_global_id("User", lena),
        next(u.created_at for u in labs.users if u.id == lena),
        role="REGULAR",
        seat_purchased=True,
    )
    await _insert(session, counter, AuditEvent, [row])


# --- portfolio ---------------------------------------------------------------------------------


async def _seed_portfolio(
    session: AsyncSession,
    rng: random.Random,
    counter: _Counter,
    now: datetime,
    corp: _SeededAccount,
    labs: _SeededAccount,
) -> None:
    created_at = _first_of_month(now, -6)
    labs_linked_at = now - 60 * _DAY
    months = [_first_of_month(now, offset) for offset in range(-6, 0)]
    billing_rows: list[dict[str, Any]] = []
    for month_start in months:
        month_end = _first_of_month(month_start, 1)
        linked = 1 + (labs_linked_at < month_end)
        last_day = (month_end - _DAY).date()
        billing_rows.append(
            {
                "description": f"Acme Group portfolio, {month_start:%B %Y}, {linked} linked account"
                + ("s" if linked > 1 else ""),
                "amount": Decimal("199.00") + Decimal("49.00") * linked,
                "currency": "EUR",
                "period_start": month_start.date(),
                "period_end": last_day,
                "created_at": month_end,
            }
        )
    today = now.date()
    metric_dates = [today - timedelta(days=back) for back in range(29, -1, -1)]

    portfolio_id = await _insert_one(
        session,
        counter,
        Portfolio,
        {
            "account_id": corp.id,
            "owner_user_id": corp.user_ids["owner@acme.example"],
            "name": "Acme Group",
            "metric_name": "Revenue",
            "created_at": created_at,
            "billing_changed_at": billing_rows[-1]["created_at"],
            "metric_changed_at": datetime.combine(metric_dates[-1], datetime.min.time(), UTC),
        },
    )
    await _insert(
        session,
        counter,
        PortfolioAccount,
        [
            {"portfolio_id": portfolio_id, "account_id": corp.id, "linked_at": created_at},
            {"portfolio_id": portfolio_id, "account_id": labs.id, "linked_at": labs_linked_at},
        ],
    )
    bases = ((corp.id, 12_000), (labs.id, 3_500))  # daily revenue around these values
    points: list[dict[str, Any]] = []
    for day in metric_dates:
        for account_id, base in bases:
            points.append(
                {
                    "portfolio_id": portfolio_id,
                    "account_id": account_id,
                    "date": day,
                    "value": _metric_value(rng, base),
                }
            )
    await _insert(session, counter, PortfolioMetricPoint, points)
    await _insert(
        session,
        counter,
        PortfolioBillingRow,
        [row | {"portfolio_id": portfolio_id} for row in billing_rows],
    )


def _metric_value(rng: random.Random, base: int) -> Decimal:
    """A value within ±20 % of ``base``, with four decimal places."""
    return Decimal(rng.randrange(base * 8_000, base * 12_000 + 1)).scaleb(-4)


# --- a pending invitation ----------------------------------------------------------------------


async def _seed_pending_invitation(
    session: AsyncSession, counter: _Counter, corp: _SeededAccount, now: datetime, public_url: str
) -> None:
    """Nora Quinn, added by the owner a day ago on the newest FREE seat, has not accepted yet.

    Her invitation mail waits in the outbox, so the server started by ``make run`` logs it (link
    included) on its first pass. The token is random, never derived from the demo's seed.
    """
    owner = corp.user_ids["owner@acme.example"]
    added_at = now - _DAY
    row = _user_row(corp.id, "Nora Quinn", INVITED_EMAIL, Role.REGULAR, "", added_at, None)
    nora = await _insert_one(session, counter, User, row | {"password_hash": None})
    seat_id = await session.scalar(
        select(Seat.id)
        .where(Seat.account_id == corp.id, Seat.status == SeatStatus.FREE)
        .order_by(Seat.billed_since.desc(), Seat.id.desc())
        .limit(1)
    )
    await session.execute(
        update(Seat).where(Seat.id == seat_id).values(status=SeatStatus.OCCUPIED, user_id=nora)
    )
    token = new_token()
    invitation_id = await _insert_one(
        session,
        counter,
        UserToken,
        {
            "account_id": corp.id,
            "user_id": nora,
            "purpose": UserTokenPurpose.INVITATION,
            "state": UserTokenState.PENDING,
            "token_hash": hash_token(token),
            "created_at": added_at,
            "expires_at": added_at + INVITATION_TTL,
        },
    )
    link = f"{public_url.rstrip('/')}/accept-invitation?token={token}"
    await _insert(
        session,
        counter,
        OutboxMessage,
        [
            {
                "account_id": corp.id,
                "user_id": nora,
                "kind": "invitation",
                "recipient": INVITED_EMAIL,
                "subject": "You are invited to the CRM",
                "body": f"Hello Nora Quinn,\n\nChoose your password here:\n\n{link}\n",
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": added_at,
                "created_at": added_at,
            }
        ],
    )
    target = encode_global_id("User", nora)
    await _insert(
        session,
        counter,
        AuditEvent,
        [
            _audit_row(corp.id, owner, "user.add", target, added_at, role="REGULAR"),
            _audit_row(
                corp.id,
                owner,
                "invitation.send",
                target,
                added_at,
                cause="add",
                invitation=invitation_id,
            ),
        ],
    )
