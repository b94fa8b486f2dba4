"""Portfolios: the read side (linked accounts, metric, export times) and the portfolio query."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from sqlalchemy import select

from db import models
from db.enums import PortfolioExportKind as PortfolioExportKindEnum
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from resolvers.portfolios import exported_at, linked_accounts, metric_points, viewer_portfolio
from schema.common import Connection, Node, PortfolioExportKind, selects
from schema.users import User, load_user


@strawberry.type(
    description="A linked account as the portfolio sees it: no data of the account itself."
)
class PortfolioAccount:
    id: strawberry.ID
    name: str
    linked_at: datetime


@strawberry.type
class MetricPoint:
    account_id: strawberry.ID
    date: date
    value: Decimal


@strawberry.type
class PortfolioMetric:
    portfolio_pk: strawberry.Private[int]
    owner_pk: strawberry.Private[int]
    name: str

    @strawberry.field
    async def points(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MetricPoint]:
        page = PageRequest.parse(info.context, first, after, with_total=selects(info, "totalCount"))
        ctx = info.context
        # The owner sees every linked account's values; a member of a linked account only its own.
        only_account = None if ctx.viewer.user_id == self.owner_pk else ctx.viewer.account_id
        rows = await metric_points(ctx, self.portfolio_pk, page, only_account=only_account)
        return Connection.from_page(
            rows,
            lambda row: MetricPoint(
                account_id=strawberry.ID(encode_global_id("Account", row.account_id)),
                date=row.date,
                value=row.value,
            ),
        )


@strawberry.type
class Portfolio(Node):
    pk: strawberry.Private[int]
    owner_pk: strawberry.Private[int]
    name: str
    metric: PortfolioMetric

    @classmethod
    def from_row(cls, row: models.Portfolio) -> Portfolio:
        return cls(
            id=strawberry.ID(encode_global_id("Portfolio", row.id)),
            pk=row.id,
            owner_pk=row.owner_user_id,
            name=row.name,
            metric=PortfolioMetric(
                portfolio_pk=row.id, owner_pk=row.owner_user_id, name=row.metric_name
            ),
        )

    @strawberry.field
    async def owner(self, info: strawberry.Info[RequestContext]) -> User:
        user = await load_user(info.context, self.owner_pk)
        if user is None:
            # The owner belongs to another account linked to this portfolio: show a stub that
            # reveals no data of that account beyond the portfolio-level fact of ownership.
            return await _foreign_owner(info.context, self.owner_pk)
        return user

    @strawberry.field
    async def accounts(self, info: strawberry.Info[RequestContext]) -> list[PortfolioAccount]:
        return [
            PortfolioAccount(
                id=strawberry.ID(encode_global_id("Account", account_id)),
                name=name,
                linked_at=linked_at,
            )
            for account_id, name, linked_at in await linked_accounts(info.context, self.pk)
        ]

    @strawberry.field
    async def exported_at(
        self, info: strawberry.Info[RequestContext], kind: PortfolioExportKind
    ) -> datetime | None:
        return await exported_at(info.context, self.pk, PortfolioExportKindEnum(kind))


async def _foreign_owner(ctx: RequestContext, owner_pk: int) -> User:
    from schema.foreign_users import foreign_user

    async with ctx.db.read() as session:
        row = (await session.scalars(select(models.User).where(models.User.id == owner_pk))).one()
    return foreign_user(row, ctx)


@strawberry.type
class PortfoliosQuery:
    @strawberry.field
    async def portfolio(self, info: strawberry.Info[RequestContext]) -> Portfolio | None:
        row = await viewer_portfolio(info.context)
        return Portfolio.from_row(row) if row is not None else None
