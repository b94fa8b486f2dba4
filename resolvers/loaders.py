"""Every DataLoader of a request, built once per request (``Loaders(ctx)``).

Each batch function runs one set-based query scoped to the viewer's account, so the number of
statements for a query does not grow with the page size or the nesting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db import models
from db.enums import UserTokenPurpose
from db.models import UserToken
from db.records import record_type, records
from resolvers import read_statements as statements
from resolvers.ids import encode_cursor
from resolvers.pagination import Page, Reads


class _Viewer(Protocol):
    @property
    def account_id(self) -> int: ...


class LoaderScope(Protocol):
    """What the loaders need of the request (``RequestContext`` builds them with itself)."""

    @property
    def db(self) -> Reads: ...

    @property
    def viewer(self) -> _Viewer: ...


M = TypeVar("M", bound=models.Base)
K = TypeVar("K")


class OwnedCounts(NamedTuple):
    """How many items of each kind a user owns (a named tuple: a page builds one per user)."""

    deals: int = 0
    contacts: int = 0
    leads: int = 0
    organizations: int = 0
    activities: int = 0

    @property
    def total(self) -> int:
        return self.deals + self.contacts + self.leads + self.organizations + self.activities


#: The counts of a user who owns nothing (or of no user of the account).
NOTHING_OWNED = OwnedCounts()


class OwnerPageKey(NamedTuple):
    """Loader key for "the first N items of this owner after cursor X" (a named tuple: a page
    hashes and compares one of these per user, in C)."""

    owner_id: int
    first: int
    after: int | None
    #: Whether ``totalCount`` is asked for (a COUNT per owner).
    with_total: bool
    #: Whether ``pageInfo`` is asked for: only then is one row more read per owner, to tell
    #: ``hasNextPage`` (a page read without it may say False, but nobody reads it).
    with_next: bool = True
    #: The item columns the selection reads (``read_statements.unread_columns``); None: all.
    columns: frozenset[str] | None = None


#: The columns of a user that the API shows (``schema.users.User.from_row`` reads these and no
#: other: ``tests/users/test_shown_columns.py``). Lists and the ``user`` loader read only
#: these: no password hash, normalised email or timestamp nobody shows is sent or decoded.
USER_SHOWN_COLUMNS = (
    "id",
    "name",
    "email",
    "photo_url",
    "status",
    "role",
    "is_account_owner",
    "can_set_marketing_status",
    "deactivated_at",
    "deleted_at",
)


def shown_user(user: models.User) -> Any:
    """A user as the ``user`` loader holds one: a record of ``USER_SHOWN_COLUMNS``, a snapshot
    that a later write to the same ORM entity does not change (a writer primes the loader with
    it, so the fields completed after the write show it)."""
    return record_type(USER_SHOWN_COLUMNS)._make(
        getattr(user, column) for column in USER_SHOWN_COLUMNS
    )


def _by_key(rows: Iterable[M], key: Callable[[M], K], keys: Sequence[K]) -> list[M | None]:
    found = {key(row): row for row in rows}
    return [found.get(k) for k in keys]


class Loaders:
    def __init__(self, ctx: LoaderScope) -> None:
        self._ctx = ctx
        #: API objects converted from loaded values, by read path and key, each beside the
        #: loader's future it came from: ``schema/prefetch.py``.
        self.converted: dict[object, dict[Any, tuple[Any, Any]]] = {}
        self.user = self._by_id(models.User, USER_SHOWN_COLUMNS)
        self.seat = self._by_id(models.Seat)
        self.contact = self._by_id(models.Contact)
        self.deal = self._by_id(models.Deal)
        self.audit_event = self._by_id(models.AuditEvent)
        self.seat_by_user = DataLoader[int, models.Seat | None](self._load_seats_by_user)
        self.owned_counts = DataLoader[int, OwnedCounts](self._load_owned_counts)
        self.invitation_by_user = DataLoader[int, models.UserToken | None](
            self._load_invitations_by_user
        )
        self.contacts_by_owner = DataLoader[OwnerPageKey, Page[models.Contact]](
            lambda keys: self._load_pages_by_owner(models.Contact, keys)
        )
        self.deals_by_owner = DataLoader[OwnerPageKey, Page[models.Deal]](
            lambda keys: self._load_pages_by_owner(models.Deal, keys)
        )

    def show_written(self, *users: models.User) -> None:
        """After a write to ``users``: the fields completed later read what was written. The
        ``user`` loader gets a snapshot (``shown_user``): a later write changes the ORM entity
        in place, never what earlier fields were completed from."""
        for user in users:
            self.user.prime(user.id, shown_user(user), force=True)

    def release(self) -> None:
        """Drop every loaded value once the response is sent.

        The loaders and the request context refer to each other (a loader's batch function
        is a method of this object, which the context holds), so the values they hold would
        wait for the cyclic garbage collector: thousands of rows and API objects per page,
        walked again by every collection until then. Emptied, they are freed at once.
        (Work graphql-core lets finish after the response, the siblings of a field whose error
        ended it, may load again; that little is left to the collector.)
        """
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.cache_map.clear()
                loader.batch = None
        self.converted.clear()

    @property
    def _account_id(self) -> int:
        return self._ctx.viewer.account_id

    def _params(self, ids: Sequence[Any], **more: Any) -> dict[str, Any]:
        return {"account_id": self._account_id, "ids": list(ids), **more}

    def _by_id(
        self, model: type[M], columns: tuple[str, ...] | None = None
    ) -> DataLoader[int, M | None]:
        async def load(ids: list[int]) -> list[M | None]:
            async with self._ctx.db.read() as session:
                query = statements.rows_by(model, "id", _dialect(session), columns)
                rows = records(await session.execute(query, self._params(ids)))
            return _by_key(rows, lambda row: int(row.id), ids)

        return DataLoader(load)

    async def _load_seats_by_user(self, user_ids: list[int]) -> list[models.Seat | None]:
        async with self._ctx.db.read() as session:
            query = statements.rows_by(models.Seat, "user_id", _dialect(session))
            rows = records(await session.execute(query, self._params(user_ids)))
        return _by_key(rows, lambda seat: int(seat.user_id or 0), user_ids)

    async def _load_invitations_by_user(self, user_ids: list[int]) -> list[models.UserToken | None]:
        async with self._ctx.db.read() as session:
            found = await newest_invitations(session, self._account_id, user_ids)
        return [found.get(user_id) for user_id in user_ids]

    async def _load_owned_counts(self, user_ids: list[int]) -> list[OwnedCounts]:
        """One statement: a row of the five counts per user (``read_statements``)."""
        async with self._ctx.db.read() as session:
            query = statements.owned_counts(_dialect(session))
            rows = (await session.execute(query, self._params(user_ids))).all()
        # The columns after the owner are OwnedCounts' fields, in order.
        found = {int(row[0]): OwnedCounts._make(map(int, row[1:])) for row in rows}
        return [found.get(user_id, NOTHING_OWNED) for user_id in user_ids]

    async def _load_pages_by_owner(
        self, model: type[models.Contact] | type[models.Deal], keys: list[OwnerPageKey]
    ) -> list[Page[Any]]:
        """First N per owner: one query per distinct (first, after) pair, reading the columns
        that any key of the pair needs."""
        groups: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        #: The groups where some key asks for ``hasNextPage``: one row more per owner.
        one_more: set[tuple[int, int | None]] = set()
        columns: dict[tuple[int, int | None], frozenset[str] | None] = {}
        for key in keys:
            group = (key.first, key.after)
            groups[group].append(key.owner_id)
            if key.with_next:
                one_more.add(group)
            columns[group] = _both(columns[group], key.columns) if group in columns else key.columns
        want_totals = any(key.with_total for key in keys)
        items: dict[tuple[int, int | None, int], list[Any]] = defaultdict(list)
        totals: dict[int, int] = {}
        all_owners = sorted({key.owner_id for key in keys})
        async with self._ctx.db.read() as session:
            dialect = _dialect(session)
            for (first, after), owner_ids in groups.items():
                if first == 0:
                    continue
                unread = statements.unread_columns(model, columns[(first, after)])
                query = statements.first_per_owner(model, dialect, after is not None, unread)
                limit = first + 1 if (first, after) in one_more else first
                params = self._params(sorted(set(owner_ids)), limit=limit)
                if after is not None:
                    params["after"] = after
                rows = records(await session.execute(query, params))
                for row in rows:
                    items[(first, after, int(row.owner_id or 0))].append(row)
            if want_totals:
                count_query = statements.totals_per_owner(model, dialect)
                for owner_id, n in await session.execute(count_query, self._params(all_owners)):
                    totals[int(owner_id)] = int(n)
        pages: list[Page[Any]] = []
        for key in keys:
            rows = items.get((key.first, key.after, key.owner_id), [])
            shown = rows[: key.first]
            pages.append(
                Page(
                    items=shown,
                    cursors=[encode_cursor(int(row.id)) for row in shown],
                    has_next_page=len(rows) > key.first,
                    has_previous_page=key.after is not None,
                    total_count=totals.get(key.owner_id, 0),
                )
            )
        return pages


def _both(one: frozenset[str] | None, other: frozenset[str] | None) -> frozenset[str] | None:
    """The columns two readers need together (None: every column)."""
    return None if one is None or other is None else one | other


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name


def newest_invitation_ids(account_id: int) -> Select[tuple[int]]:
    """The id of each user's newest invitation (a subquery)."""
    return (
        select(func.max(UserToken.id))
        .where(
            UserToken.account_id == account_id,
            UserToken.purpose == UserTokenPurpose.INVITATION,
        )
        .group_by(UserToken.user_id)
    )


async def newest_invitations(
    session: AsyncSession, account_id: int, user_ids: Sequence[int]
) -> dict[int, UserToken]:
    """Each user's newest invitation (one statement for any number of users)."""
    newest = newest_invitation_ids(account_id).where(UserToken.user_id.in_(user_ids))
    rows = (await session.scalars(select(UserToken).where(UserToken.id.in_(newest)))).all()
    return {row.user_id: row for row in rows}
