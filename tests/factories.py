"""Factories: build accounts, users (with live tokens), seats, contacts and deals directly in the
database, so each test states only what matters to its rule."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import models
from db.enums import ContactSource, MarketingStatus, Role, SeatStatus, UserStatus
from resolvers.auth.security import hash_password, hash_token, new_token
from resolvers.ids import encode_global_id
from resolvers.rules.billing import add_months

PASSWORD = "correct horse battery staple"
DEFAULT_LADDER = (
    (1000, Decimal("45.00")),
    (2000, Decimal("90.00")),
    (5000, Decimal("200.00")),
    (10000, Decimal("350.00")),
)
_serial = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class UserHandle:
    id: int
    account_id: int
    email: str | None
    token: str | None
    seat_id: int | None = None

    @property
    def gid(self) -> str:
        return encode_global_id("User", self.id)


@dataclass
class AccountHandle:
    id: int
    name: str
    owner: UserHandle
    users: list[UserHandle] = field(default_factory=list)

    @property
    def gid(self) -> str:
        return encode_global_id("Account", self.id)


class Factory:
    """Writes through its own short sessions; every method commits."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
        self.sessionmaker = sessionmaker
        self.now = now

    async def account(
        self,
        name: str = "Acme Corp",
        *,
        currency: str = "EUR",
        seat_price: Decimal = Decimal("29.00"),
        period_start: datetime | None = None,
        tier_limit: int = 1000,
        ladder: tuple[tuple[int, Decimal], ...] = DEFAULT_LADDER,
        free_seats: int = 0,
        pending_removal_seats: int = 0,
    ) -> AccountHandle:
        start = period_start or (self.now - timedelta(days=14)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        async with self.sessionmaker.begin() as session:
            account = models.Account(name=name, created_at=start)
            session.add(account)
            await session.flush()
            session.add(
                models.Subscription(
                    account_id=account.id,
                    currency=currency,
                    seat_price=seat_price,
                    period_start=start,
                    period_end=add_months(start, 1, start.day),
                    anchor_day=start.day,
                    contact_tier_limit=tier_limit,
                )
            )
            for limit, price in ladder:
                session.add(
                    models.ContactTier(
                        account_id=account.id, contact_limit=limit, monthly_price=price
                    )
                )
            account_id = account.id
        handle = AccountHandle(id=account_id, name=name, owner=None)  # type: ignore[arg-type]
        owner_slug = name.lower().replace(" ", "")
        handle.owner = await self.user(
            handle, role=Role.ADMIN, owner=True, email=f"owner@{owner_slug}.example"
        )
        await self.seats(handle, SeatStatus.FREE, free_seats)
        await self.seats(handle, SeatStatus.PENDING_REMOVAL, pending_removal_seats)
        return handle

    async def user(
        self,
        account: AccountHandle,
        *,
        role: Role = Role.REGULAR,
        status: UserStatus = UserStatus.ACTIVE,
        owner: bool = False,
        email: str | None = None,
        name: str | None = None,
        with_seat: bool | None = None,
        with_token: bool = True,
        can_set_marketing_status: bool = True,
    ) -> UserHandle:
        serial = next(_serial)
        email = email or f"user{serial}@{account.name.lower().replace(' ', '')}.example"
        with_seat = status is UserStatus.ACTIVE if with_seat is None else with_seat
        async with self.sessionmaker.begin() as session:
            user = models.User(
                account_id=account.id,
                name=name or f"User {serial}",
                email=email,
                email_normalized=email.lower(),
                password_hash=password_hash(),
                status=status,
                role=role,
                is_account_owner=owner,
                can_set_marketing_status=can_set_marketing_status,
                created_at=self.now - timedelta(days=30),
                deactivated_at=self.now - timedelta(days=1)
                if status is UserStatus.DEACTIVATED
                else None,
            )
            session.add(user)
            await session.flush()
            seat_id = None
            if with_seat:
                seat = models.Seat(
                    account_id=account.id,
                    status=SeatStatus.OCCUPIED,
                    user_id=user.id,
                    billed_since=self.now - timedelta(days=30),
                )
                session.add(seat)
                await session.flush()
                seat_id = seat.id
            token = None
            if with_token and status is UserStatus.ACTIVE:
                token = new_token()
                session.add(
                    models.AuthSession(
                        account_id=account.id,
                        user_id=user.id,
                        token_hash=hash_token(token),
                        created_at=self.now - timedelta(hours=1),
                        expires_at=self.now + timedelta(days=1),
                    )
                )
            handle = UserHandle(user.id, account.id, email, token, seat_id)
        account.users.append(handle)
        return handle

    async def seats(self, account: AccountHandle, status: SeatStatus, count: int) -> list[int]:
        ids = []
        async with self.sessionmaker.begin() as session:
            for _ in range(count):
                seat = models.Seat(
                    account_id=account.id,
                    status=status,
                    billed_since=self.now - timedelta(days=30),
                )
                session.add(seat)
                await session.flush()
                ids.append(seat.id)
        return ids

    async def contacts(
        self,
        account: AccountHandle,
        count: int,
        *,
        owner: UserHandle | None = None,
        status: MarketingStatus = MarketingStatus.NON_MARKETING,
        source: ContactSource = ContactSource.MANUAL,
        name_prefix: str = "Contact",
    ) -> None:
        rows = [
            {
                "account_id": account.id,
                "owner_id": owner.id if owner else None,
                "name": f"{name_prefix} {i}",
                "email": f"{name_prefix.lower()}{i}@example.com",
                "marketing_status": status,
                "source": source,
                "created_at": self.now - timedelta(days=2),
            }
            for i in range(count)
        ]
        await self._bulk(models.Contact, rows)

    async def deals(
        self, account: AccountHandle, count: int, *, owner: UserHandle | None = None
    ) -> None:
        rows = [
            {
                "account_id": account.id,
                "owner_id": owner.id if owner else None,
                "title": f"Deal {i}",
                "value": Decimal("100.50"),
                "currency": "EUR",
                "created_at": self.now - timedelta(days=2),
            }
            for i in range(count)
        ]
        await self._bulk(models.Deal, rows)

    async def owned_items(self, account: AccountHandle, owner: UserHandle, count: int) -> None:
        """``count`` leads, organizations and activities each."""
        base = {"account_id": account.id, "owner_id": owner.id, "created_at": self.now}
        await self._bulk(models.Lead, [{**base, "title": f"Lead {i}"} for i in range(count)])
        await self._bulk(models.Organization, [{**base, "name": f"Org {i}"} for i in range(count)])
        await self._bulk(models.Activity, [{**base, "subject": f"Call {i}"} for i in range(count)])

    async def _bulk(self, model: type[models.Base], rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        async with self.sessionmaker.begin() as session:
            for start in range(0, len(rows), 5000):
                await session.execute(insert(model), rows[start : start + 5000])

    async def portfolio(
        self,
        owner: UserHandle,
        accounts: Sequence[AccountHandle] = (),
        *,
        name: str = "Northwind Group",
        metric_name: str = "Monthly revenue",
        metric_points: Sequence[tuple[AccountHandle, int, Decimal]] = (),
        billing_rows: Sequence[tuple[str, Decimal]] = (),
        changed_at: datetime | None = None,
    ) -> int:
        """A portfolio owned by ``owner`` (in the owner's account) linking ``accounts``.

        ``metric_points`` are ``(account, days ago, value)``; ``billing_rows`` are
        ``(description, amount)`` in EUR for the current month. Both data sets last changed at
        ``changed_at`` (default: a day ago). Returns the portfolio id.
        """
        changed = changed_at or self.now - timedelta(days=1)
        today = self.now.date()
        async with self.sessionmaker.begin() as session:
            portfolio = models.Portfolio(
                account_id=owner.account_id,
                owner_user_id=owner.id,
                name=name,
                metric_name=metric_name,
                created_at=self.now - timedelta(days=60),
                billing_changed_at=changed,
                metric_changed_at=changed,
            )
            session.add(portfolio)
            await session.flush()
            for linked in accounts:
                session.add(
                    models.PortfolioAccount(
                        portfolio_id=portfolio.id,
                        account_id=linked.id,
                        linked_at=self.now - timedelta(days=30),
                    )
                )
            for linked, days_ago, value in metric_points:
                session.add(
                    models.PortfolioMetricPoint(
                        portfolio_id=portfolio.id,
                        account_id=linked.id,
                        date=today - timedelta(days=days_ago),
                        value=value,
                    )
                )
            for description, amount in billing_rows:
                session.add(
                    models.PortfolioBillingRow(
                        portfolio_id=portfolio.id,
                        description=description,
                        amount=amount,
                        currency="EUR",
                        period_start=today.replace(day=1),
                        period_end=today.replace(day=28),
                        created_at=self.now - timedelta(days=1),
                    )
                )
            portfolio_id = portfolio.id
        return portfolio_id

    async def contact_gids(
        self, account: AccountHandle, status: MarketingStatus | None = None
    ) -> list[str]:
        """Global ids of the account's contacts (optionally of one status), oldest first."""
        from sqlalchemy import select

        query = select(models.Contact.id).where(models.Contact.account_id == account.id)
        if status is not None:
            query = query.where(models.Contact.marketing_status == status)
        async with self.sessionmaker() as session:
            pks = (await session.scalars(query.order_by(models.Contact.id))).all()
        return [encode_global_id("Contact", pk) for pk in pks]
