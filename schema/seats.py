"""Seats: the Seat type, its filter and the seats query."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from resolvers.seats import list_seats
from schema.common import Connection, Node, SeatStatus, selects
from schema.prefetch import MaybeAwaitable

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


@strawberry.type
class Seat(Node):
    pk: strawberry.Private[int]
    user_pk: strawberry.Private[int | None]
    status: SeatStatus
    billed_since: datetime
    removal_effective_at: datetime | None

    @classmethod
    def from_row(cls, row: models.Seat) -> Seat:
        return cls(
            id=strawberry.ID(encode_global_id("Seat", row.id)),
            pk=row.id,
            user_pk=row.user_id,
            status=row.status,
            billed_since=row.billed_since,
            removal_effective_at=row.removal_effective_at,
        )

    @classmethod
    def from_optional_row(cls, row: models.Seat | None) -> Seat | None:
        return cls.from_row(row) if row is not None else None

    @strawberry.field(graphql_type=UserRef | None)
    def user(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        from schema.users import user_now_or_later

        return user_now_or_later(info.context, self.user_pk)


@strawberry.input
class SeatFilter:
    status: list[SeatStatus] | None = None


@strawberry.type
class SeatsQuery:
    @strawberry.field
    async def seats(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
        filter: SeatFilter | None = None,
    ) -> Connection[Seat]:
        ctx = info.context
        ctx.require_viewer()
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        statuses = tuple(filter.status) if filter and filter.status else None
        rows = await list_seats(ctx, page, statuses)
        return Connection.from_page(rows, Seat.from_row)
