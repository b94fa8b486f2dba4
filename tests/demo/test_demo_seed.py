"""The demo data (db/demo.py): the documented facts hold, and seeding is deterministic.

Each test seeds its own fresh database: a SQLite file, or a new PostgreSQL schema when
``TEST_DATABASE_URL`` names one (dropped at the end).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.demo import DEMO_PASSWORD, INVITED_EMAIL, DemoSummary, database_is_empty, seed_demo
from db.engine import create_engine, create_sessionmaker
from db.enums import ContactSource, LedgerEntryKind, MarketingStatus, Role, SeatStatus, UserStatus
from db.migrate import upgrade_async
from db.models import (
    Account,
    Activity,
    AuditEvent,
    Contact,
    ContactTier,
    Deal,
    Lead,
    LedgerEntry,
    Organization,
    Portfolio,
    PortfolioAccount,
    PortfolioBillingRow,
    PortfolioMetricPoint,
    Seat,
    Subscription,
    User,
)
from resolvers.auth.security import verify_password

NOW = datetime(2025, 3, 31, 15, 30, 12, 345678, tzinfo=UTC)

Sessionmaker = async_sessionmaker[AsyncSession]
NewDatabase = Callable[[], Awaitable[Sessionmaker]]


async def _fresh_database(
    directory: Path, engines: list[AsyncEngine], schemas: list[str]
) -> Sessionmaker:
    pg_url = os.environ.get("TEST_DATABASE_URL")
    schema: str | None = None
    if pg_url:
        url = pg_url
        schema = f"demo_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        schemas.append(schema)
    else:
        url = f"sqlite+aiosqlite:///{directory / f'demo_{len(engines)}.db'}"
    await upgrade_async(url, search_path=schema)
    engine = create_engine(url, search_path=schema)
    engines.append(engine)
    return create_sessionmaker(engine)


async def _drop(engines: list[AsyncEngine], schemas: list[str]) -> None:
    for engine in engines:
        await engine.dispose()
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if pg_url and schemas:
        admin = create_engine(pg_url)
        async with admin.begin() as connection:
            for schema in schemas:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def new_database(tmp_path: Path) -> AsyncIterator[NewDatabase]:
    """Makes fresh migrated databases; disposes of them after the test."""
    engines: list[AsyncEngine] = []
    schemas: list[str] = []

    async def make() -> Sessionmaker:
        return await _fresh_database(tmp_path, engines, schemas)

    yield make
    await _drop(engines, schemas)


@pytest.fixture(scope="module")
async def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Sessionmaker, DemoSummary]]:
    """One default demo, seeded at ``NOW``, shared by the read-only tests of this module."""
    engines: list[AsyncEngine] = []
    schemas: list[str] = []
    sessionmaker = await _fresh_database(tmp_path_factory.mktemp("demo"), engines, schemas)
    summary = await seed_demo(sessionmaker, now=NOW)
    yield sessionmaker, summary
    await _drop(engines, schemas)


async def _account_id(session: AsyncSession, name: str) -> int:
    return (await session.execute(select(Account.id).where(Account.name == name))).scalar_one()


async def _user(session: AsyncSession, email: str) -> User:
    return (await session.execute(select(User).where(User.email == email))).scalar_one()


async def _subscription(session: AsyncSession, account_id: int) -> Subscription:
    query = select(Subscription).where(Subscription.account_id == account_id)
    return (await session.execute(query)).scalar_one()


# --- the default demo --------------------------------------------------------------------------


async def test_summary_counts_every_inserted_row(demo):
    _, summary = demo
    assert summary == DemoSummary(
        accounts=2,
        users=13,
        contacts=220,
        deals=70,
        leads=35,
        organizations=27,
        activities=88,
        seats=14,
        ledger_entries=4,
        audit_events=8,
        portfolios=1,
    )


async def test_each_account_has_one_owner_who_is_an_active_admin(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        owners = (await session.scalars(select(User).where(User.is_account_owner))).all()
        accounts = dict((await session.execute(select(Account.id, Account.name))).tuples().all())
    assert sorted((accounts[u.account_id], u.email) for u in owners) == [
        ("Acme Corp", "owner@acme.example"),
        ("Acme Labs", "owner@acmelabs.example"),
    ]
    assert all(u.role is Role.ADMIN and u.status is UserStatus.ACTIVE for u in owners)


async def test_acme_corp_has_the_named_users_with_the_demo_password(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        users = (
            await session.scalars(select(User).where(User.account_id == corp).order_by(User.id))
        ).all()
        hashes = set((await session.scalars(select(User.password_hash))).all()) - {None}
    assert [u.email for u in users] == [
        f"{name}@acme.example"
        for name in (
            "owner",
            "ana",
            "ben",
            "chloe",
            "david",
            "emma",
            "farid",
            "grace",
            "henry",
            "nora",
        )
    ]
    assert all(u.name and u.email_normalized == u.email.lower() for u in users if u.email)
    assert {u.email for u in users if u.role is Role.ADMIN} == {
        "owner@acme.example",
        "ana@acme.example",
        "grace@acme.example",
    }
    assert [u.email for u in users if u.status is UserStatus.DEACTIVATED] == ["henry@acme.example"]
    assert [u.email for u in users if not u.can_set_marketing_status] == ["farid@acme.example"]
    assert len(hashes) == 1  # hashed once for every user of both accounts
    assert verify_password(hashes.pop(), DEMO_PASSWORD)


async def test_deactivated_user_has_no_seat_and_a_deactivation_date(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        henry = await _user(session, "henry@acme.example")
        seat = await session.scalar(select(Seat).where(Seat.user_id == henry.id))
    assert seat is None
    assert henry.deactivated_at is not None
    assert henry.deactivated_at < NOW


async def test_seats_active_users_occupy_two_are_free_one_pending_removal(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        subscription = await _subscription(session, corp)
        seats = (await session.scalars(select(Seat).where(Seat.account_id == corp))).all()
        active_ids = set(
            (
                await session.scalars(
                    select(User.id).where(User.account_id == corp, User.status == UserStatus.ACTIVE)
                )
            ).all()
        )
    by_status: dict[SeatStatus, list[Seat]] = {}
    for seat in seats:
        by_status.setdefault(seat.status, []).append(seat)
    assert {status: len(group) for status, group in by_status.items()} == {
        SeatStatus.OCCUPIED: 9,
        SeatStatus.FREE: 1,
        SeatStatus.PENDING_REMOVAL: 1,
    }
    assert {seat.user_id for seat in by_status[SeatStatus.OCCUPIED]} == active_ids
    assert all(seat.user_id is None for seat in by_status[SeatStatus.FREE])
    (pending,) = by_status[SeatStatus.PENDING_REMOVAL]
    assert pending.user_id is None
    assert pending.removal_effective_at == subscription.period_end
    assert all(seat.billed_since < subscription.period_start for seat in seats)
    assert all(
        seat.removal_effective_at is None
        for seat in seats
        if seat.status is not SeatStatus.PENDING_REMOVAL
    )


async def test_subscription_is_mid_period_in_eur_with_the_tier_ladder(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        subscription = await _subscription(session, corp)
        ladder = (
            await session.execute(
                select(ContactTier.contact_limit, ContactTier.monthly_price)
                .where(ContactTier.account_id == corp)
                .order_by(ContactTier.contact_limit)
            )
        ).all()
    assert subscription.period_start < NOW < subscription.period_end
    assert subscription.period_start == datetime(2025, 3, 21, tzinfo=UTC)
    assert subscription.period_end == datetime(2025, 4, 21, tzinfo=UTC)
    assert subscription.anchor_day == 21
    assert (subscription.currency, subscription.seat_price) == ("EUR", Decimal("29.00"))
    assert subscription.contact_tier_limit == 150
    assert [tuple(row) for row in ladder] == [
        (150, Decimal("20.00")),
        (1000, Decimal("45.00")),
        (2000, Decimal("90.00")),
        (5000, Decimal("200.00")),
        (10000, Decimal("350.00")),
        (25000, Decimal("800.00")),
    ]


async def test_period_end_is_clamped_to_the_month_end(new_database):
    sessionmaker = await new_database()
    await seed_demo(sessionmaker, now=datetime(2025, 2, 10, 9, 0, tzinfo=UTC))
    async with sessionmaker() as session:
        subscription = await _subscription(session, await _account_id(session, "Acme Corp"))
    assert subscription.period_start == datetime(2025, 1, 31, tzinfo=UTC)
    assert subscription.period_end == datetime(2025, 2, 28, tzinfo=UTC)
    assert subscription.anchor_day == 31


async def test_contacts_mix_marketing_status_sources_and_owners(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        subscription = await _subscription(session, corp)
        henry = await _user(session, "henry@acme.example")
        contacts = (
            await session.scalars(
                select(Contact).where(Contact.account_id == corp).order_by(Contact.id)
            )
        ).all()
    assert len(contacts) == 200
    assert contacts[0].email == "contact0001@example.com"
    assert contacts[-1].email == "contact0200@example.com"
    marketing = [c for c in contacts if c.marketing_status is MarketingStatus.MARKETING]
    assert len(marketing) == 124  # about 60 %
    switched_off = [c for c in contacts if c.billed_as_marketing_until is not None]
    assert len(switched_off) == 8
    assert all(c.marketing_status is MarketingStatus.NON_MARKETING for c in switched_off)
    assert all(c.billed_as_marketing_until == subscription.period_end for c in switched_off)
    assert {c.source for c in contacts} == set(ContactSource)
    assert sum(c.owner_id is None for c in contacts) == 10
    assert sum(c.owner_id == henry.id for c in contacts) > 0
    assert all(NOW - timedelta(days=90) <= c.created_at <= NOW for c in contacts)
    assert all(c.created_at <= henry.deactivated_at for c in contacts if c.owner_id == henry.id)


async def test_deactivated_user_still_owns_items_of_every_type(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        henry = await _user(session, "henry@acme.example")
        owned = {
            model.__tablename__: await session.scalar(
                select(func.count()).select_from(model).where(model.owner_id == henry.id)
            )
            for model in (Contact, Deal, Lead, Organization, Activity)
        }
    assert all(count and count > 0 for count in owned.values()), owned


async def test_items_are_spread_over_every_user(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        user_ids = set(
            (
                await session.scalars(
                    select(User.id).where(User.account_id == corp, User.email != INVITED_EMAIL)
                )
            ).all()
        )  # everyone but Nora, added yesterday and not signed in yet
        deals = (await session.scalars(select(Deal).where(Deal.account_id == corp))).all()
        counts = {
            model.__tablename__: await session.scalar(
                select(func.count()).select_from(model).where(model.account_id == corp)
            )
            for model in (Lead, Organization, Activity)
        }
    assert len(deals) == 60
    assert {d.owner_id for d in deals} == user_ids
    assert all(d.currency == "EUR" and d.value == d.value.quantize(Decimal("0.01")) for d in deals)
    assert counts == {"leads": 30, "organizations": 25, "activities": 80}


async def test_ledger_holds_the_current_invoice_with_consistent_amounts(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        subscription = await _subscription(session, corp)
        seats = await session.scalar(
            select(func.count()).select_from(Seat).where(Seat.account_id == corp)
        )
        rows = (
            await session.scalars(
                select(LedgerEntry).where(LedgerEntry.account_id == corp).order_by(LedgerEntry.id)
            )
        ).all()
    assert [(r.description, r.quantity, r.unit_price, r.amount) for r in rows] == [
        ("Seats", seats, Decimal("29.00"), Decimal("319.00")),
        ("Marketing contacts tier (150)", 1, Decimal("20.00"), Decimal("20.00")),
    ]
    for row in rows:
        assert row.kind is LedgerEntryKind.INVOICE
        assert row.quantity * row.unit_price == row.amount
        assert row.currency == "EUR"
        assert not row.prorated
        assert (row.period_start, row.period_end) == (
            subscription.period_start,
            subscription.period_end,
        )
        assert row.effective_at == subscription.period_start


async def test_audit_events_carry_json_details(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.account_id == corp).order_by(AuditEvent.id)
            )
        ).all()
    assert [e.action for e in events] == [
        "user.add",
        "user.set_permissions",
        "user.deactivate",
        "seat.remove",
        "contact.set_marketing_status",
        "user.add",
        "invitation.send",
    ]
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert all(e.occurred_at <= NOW for e in events)
    details = [json.loads(e.details) for e in events]
    assert details[2]["remove_seat"] is True
    assert details[2]["owned_items"]["total"] > 0
    assert details[4]["count"] == 8


async def test_acme_labs_is_a_small_usd_account(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        labs = await _account_id(session, "Acme Labs")
        subscription = await _subscription(session, labs)
        emails = (
            await session.scalars(
                select(User.email).where(User.account_id == labs).order_by(User.id)
            )
        ).all()
        seats = (await session.scalars(select(Seat.status).where(Seat.account_id == labs))).all()
        counts = {
            model.__tablename__: await session.scalar(
                select(func.count()).select_from(model).where(model.account_id == labs)
            )
            for model in (Contact, Deal)
        }
        deal_currencies = set(
            (await session.scalars(select(Deal.currency).where(Deal.account_id == labs))).all()
        )
    assert emails == ["owner@acmelabs.example", "tom@acmelabs.example", "lena@acmelabs.example"]
    assert seats == [SeatStatus.OCCUPIED] * 3
    assert (subscription.currency, subscription.seat_price) == ("USD", Decimal("19.00"))
    assert counts == {"contacts": 20, "deals": 10}
    assert deal_currencies == {"USD"}


async def test_portfolio_links_both_accounts_with_metric_and_billing(demo):
    sessionmaker, _ = demo
    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        labs = await _account_id(session, "Acme Labs")
        owner = await _user(session, "owner@acme.example")
        portfolio = (await session.execute(select(Portfolio))).scalar_one()
        links = (await session.scalars(select(PortfolioAccount))).all()
        points = (await session.scalars(select(PortfolioMetricPoint))).all()
        billing = (
            await session.scalars(select(PortfolioBillingRow).order_by(PortfolioBillingRow.id))
        ).all()
    assert (portfolio.name, portfolio.metric_name) == ("Acme Group", "Revenue")
    assert (portfolio.account_id, portfolio.owner_user_id) == (corp, owner.id)
    assert {link.account_id for link in links} == {corp, labs}
    assert all(link.portfolio_id == portfolio.id and link.linked_at < NOW for link in links)

    assert len(points) == 60
    days = sorted({p.date for p in points})
    assert days == [date(2025, 3, 31) - timedelta(days=n) for n in range(29, -1, -1)]
    assert {(p.date, p.account_id) for p in points} == {(d, a) for d in days for a in (corp, labs)}
    assert all(p.value == p.value.quantize(Decimal("0.0001")) > 0 for p in points)
    assert portfolio.metric_changed_at == datetime(2025, 3, 31, tzinfo=UTC)

    assert [row.period_start for row in billing] == [
        date(2024, 9, 1),
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert billing[-1].period_end == date(2025, 2, 28)
    assert all(row.currency == "EUR" and row.amount > 0 for row in billing)
    assert portfolio.billing_changed_at == max(row.created_at for row in billing)
    assert portfolio.billing_changed_at <= NOW


# --- guarantees ---------------------------------------------------------------------------------


async def test_same_now_gives_identical_rows_in_fresh_databases(new_database):
    snapshots = []
    for _ in range(2):
        sessionmaker = await new_database()
        await seed_demo(sessionmaker, now=NOW)
        async with sessionmaker() as session:
            snapshot = {}
            for model in (Contact, Deal, Seat, Activity, PortfolioMetricPoint, AuditEvent):
                rows = await session.execute(select(model.__table__).order_by(model.id))
                snapshot[model.__tablename__] = [tuple(row) for row in rows]
            users = await session.execute(
                select(User.__table__)
                .order_by(User.id)
                .with_only_columns(*(c for c in User.__table__.c if c.name != "password_hash"))
            )
            snapshot["users"] = [tuple(row) for row in users]
        snapshots.append(snapshot)
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]["contacts"]) == 220


async def test_seeding_a_database_that_holds_an_account_is_refused(new_database):
    sessionmaker = await new_database()
    assert await database_is_empty(sessionmaker)
    await seed_demo(sessionmaker, now=NOW)
    assert not await database_is_empty(sessionmaker)

    with pytest.raises(RuntimeError, match="empty"):
        await seed_demo(sessionmaker, now=NOW)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 2


async def test_naive_now_and_too_few_users_are_rejected(new_database):
    sessionmaker = await new_database()
    with pytest.raises(ValueError, match="timezone-aware"):
        await seed_demo(sessionmaker, now=datetime(2025, 3, 31, 12, 0))
    with pytest.raises(ValueError, match="at least 9"):
        await seed_demo(sessionmaker, now=NOW, users=3)
    assert await database_is_empty(sessionmaker)


# --- large mode ---------------------------------------------------------------------------------


async def test_large_mode_seeds_the_requested_sizes(new_database):
    sessionmaker = await new_database()
    summary = await seed_demo(sessionmaker, now=NOW, users=50, contacts=2000)
    assert (summary.users, summary.contacts, summary.deals) == (50 + 3, 2000 + 20, 60 + 10)
    assert (summary.leads, summary.organizations, summary.activities) == (30 + 5, 250 + 2, 800 + 8)

    async with sessionmaker() as session:
        corp = await _account_id(session, "Acme Corp")
        subscription = await _subscription(session, corp)
        users = (
            await session.scalars(select(User).where(User.account_id == corp).order_by(User.id))
        ).all()
        seats = (await session.scalars(select(Seat).where(Seat.account_id == corp))).all()
        contacts = (
            await session.scalars(
                select(Contact).where(Contact.account_id == corp).order_by(Contact.id)
            )
        ).all()

    assert len(users) == 50
    emails = [u.email for u in users]
    assert emails[:2] == ["owner@acme.example", "ana@acme.example"]
    assert "henry@acme.example" in emails
    assert emails[9] == "user00010@acme.example"
    assert len(set(emails)) == 50
    deactivated = [u.email for u in users if u.status is UserStatus.DEACTIVATED]
    assert deactivated == ["henry@acme.example", "user00020@acme.example", "user00040@acme.example"]

    occupied = {s.user_id for s in seats if s.status is SeatStatus.OCCUPIED}
    assert occupied == {u.id for u in users if u.status is UserStatus.ACTIVE}
    assert sum(s.status is SeatStatus.FREE for s in seats) == 2
    assert sum(s.status is SeatStatus.PENDING_REMOVAL for s in seats) == 1

    assert len(contacts) == 2000
    assert contacts[0].email == "contact0001@example.com"
    billed = sum(
        c.marketing_status is MarketingStatus.MARKETING or c.billed_as_marketing_until is not None
        for c in contacts
    )
    assert 0.5 < billed / len(contacts) < 0.75
    assert billed <= subscription.contact_tier_limit == 2000
    owners = {c.owner_id for c in contacts}
    assert None in owners
    assert owners - {None} == {u.id for u in users}
