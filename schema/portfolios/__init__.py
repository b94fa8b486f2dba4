"""Portfolios: the read side (linked accounts, metric, export times) and the portfolio query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from sqlalchemy import select

from db import models
from resolvers.context import RequestContext
from resolvers.exports import take_portfolio_export
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from resolvers.portfolios import (
    exported_at,
    linked_accounts,
    metric_points,
    portfolio_closures,
    viewer_portfolio,
)
from resolvers.portfolios.closure import ClosePortfolioData, close_portfolio
from schema.common import (
    Connection,
    Node,
    PageAfter,
    PageFirst,
    PortfolioCloseReason,
    PortfolioCloseReasonCategory,
    PortfolioExportKind,
    UserError,
    selects,
)
from schema.extensions import BusinessErrorsAsRequestErrors, mutation, refusable_query
from schema.users import User, load_user
from schema.users.foreign import foreign_user


@strawberry.type(
    description="A linked account as the portfolio sees it: no data of the account itself."
)
class PortfolioAccount:
    id: strawberry.ID = strawberry.field(description="Global id of the linked account.")
    name: str = strawberry.field(description="The linked account's name.")
    linked_at: datetime = strawberry.field(description="When it was linked (UTC, ISO-8601).")


@strawberry.type(description="One value of the portfolio metric: one linked account, one day.")
class MetricPoint:
    account_id: strawberry.ID = strawberry.field(description="Global id of the account measured.")
    date: date = strawberry.field(description="The day (ISO-8601 date, UTC).")
    value: Decimal = strawberry.field(description="The value, as an exact decimal string.")


@strawberry.type(description="The portfolio's metric: values per linked account over time.")
class PortfolioMetric:
    portfolio_pk: strawberry.Private[int]
    owner_pk: strawberry.Private[int]
    name: str = strawberry.field(description="What the metric measures.")

    @strawberry.field(
        description="Values in the order recorded: every linked account's for the portfolio owner, "
        "only their own account's for a member of a linked account."
    )
    async def points(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
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


@strawberry.type(
    description="Several accounts grouped under one portfolio owner, with a metric and billing "
    "records of its own."
)
class Portfolio(Node):
    pk: strawberry.Private[int]
    owner_pk: strawberry.Private[int]
    name: str = strawberry.field(description="Portfolio name (typed back to close it).")
    metric: PortfolioMetric = strawberry.field(description="The portfolio metric.")

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

    @strawberry.field(
        description="The portfolio owner; when of another account, only id and displayName show."
    )
    async def owner(self, info: strawberry.Info[RequestContext]) -> User:
        user = await load_user(info.context, self.owner_pk)
        if user is None:
            # The owner belongs to another account linked to this portfolio: show a stub that
            # reveals no data of that account beyond the portfolio-level fact of ownership.
            return await _foreign_owner(info.context, self.owner_pk)
        return user

    @strawberry.field(description="The linked accounts, in link order.")
    async def accounts(self, info: strawberry.Info[RequestContext]) -> list[PortfolioAccount]:
        return [
            PortfolioAccount(
                id=strawberry.ID(encode_global_id("Account", account_id)),
                name=name,
                linked_at=linked_at,
            )
            for account_id, name, linked_at in await linked_accounts(info.context, self.pk)
        ]

    @strawberry.field(
        description="When that export's content was last taken (UTC); null if never or if the "
        "data changed since (closePortfolio then needs it again)."
    )
    async def exported_at(
        self,
        info: strawberry.Info[RequestContext],
        kind: Annotated[
            PortfolioExportKind, strawberry.argument(description="Which export: BILLING or METRIC.")
        ],
    ) -> datetime | None:
        return await exported_at(info.context, self.pk, kind)


async def _foreign_owner(ctx: RequestContext, owner_pk: int) -> User:
    async with ctx.db.read() as session:
        row = (await session.scalars(select(models.User).where(models.User.id == owner_pk))).one()
    return foreign_user(row, ctx)


@strawberry.type(
    description=(
        "What remains of a closed portfolio: why and by whom it was closed (contract addition)."
    )
)
class PortfolioClosure:
    closed_by_pk: strawberry.Private[int | None]
    portfolio_id: strawberry.ID = strawberry.field(description="The closed portfolio's id.")
    reason: PortfolioCloseReason | None = strawberry.field(description="The reason chosen.")
    reason_category: PortfolioCloseReasonCategory | None = strawberry.field(
        description="The reason's category."
    )
    details: str | None = strawberry.field(description="The free-text details given, if any.")
    closed_at: datetime = strawberry.field(description="When it was closed.")

    @strawberry.field(description="Who closed it (shown as a deleted user once deleted).")
    async def closed_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await load_user(info.context, self.closed_by_pk)

    @classmethod
    def from_row(cls, row: models.ClosureRecord) -> PortfolioClosure:
        return cls(
            closed_by_pk=row.closed_by_user_id,
            portfolio_id=_gid("Portfolio", row.closed_subject_id),
            reason=PortfolioCloseReason(row.reason) if row.reason else None,
            reason_category=(
                PortfolioCloseReasonCategory(row.reason_category) if row.reason_category else None
            ),
            details=row.details,
            closed_at=row.closed_at,
        )


@strawberry.type
class PortfoliosQuery:
    @strawberry.field(
        description="The portfolio you own, else the one your account is linked to; null if none."
    )
    async def portfolio(self, info: strawberry.Info[RequestContext]) -> Portfolio | None:
        row = await viewer_portfolio(info.context)
        return Portfolio.from_row(row) if row is not None else None

    @strawberry.field(
        description=(
            "Closure records of the account's closed portfolios, newest first, at most 100 "
            "(contract addition). Account owner only: FORBIDDEN GraphQL error otherwise."
        ),
        extensions=[BusinessErrorsAsRequestErrors(None)],
    )
    async def portfolio_closures(
        self, info: strawberry.Info[RequestContext]
    ) -> list[PortfolioClosure]:
        ctx = info.context
        ctx.require_viewer()
        return [PortfolioClosure.from_row(row) for row in await portfolio_closures(ctx)]


@strawberry.input(description="What closePortfolio needs.")
class ClosePortfolioInput:
    portfolio_id: strawberry.ID = strawberry.field(description="The portfolio (global id).")
    reason: PortfolioCloseReason = strawberry.field(description="Why it is closed.")
    details: str | None = strawberry.field(
        default=None, description="Free-text feedback, at most 2 000 characters."
    )
    confirm_name: str = strawberry.field(
        description="The portfolio name typed back (trimmed, case-insensitive); else "
        "CONFIRMATION_MISMATCH."
    )
    acknowledge_data_loss: bool | None = strawberry.field(
        default=False,
        description="Close without both exports taken since their data last changed (else "
        "EXPORT_REQUIRED).",
    )


@strawberry.type(description="Result of closePortfolio.")
class ClosePortfolioPayload:
    closed_portfolio_id: strawberry.ID | None = strawberry.field(
        default=None, description="Id of the deleted portfolio; null when refused."
    )
    disconnected_account_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Accounts that were linked (and are otherwise untouched)."
    )
    reason_category: PortfolioCloseReasonCategory | None = strawberry.field(
        default=None, description="The category of the reason given."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(
    description="A CSV file (UTF-8; text cells that look like formulas get a leading quote)."
)
class CsvExport:
    filename: str = strawberry.field(description="Suggested file name.")
    content_type: str = strawberry.field(description="Media type: text/csv; charset=utf-8.")
    row_count: int = strawberry.field(description="Data rows, header excluded.")
    text: strawberry.Private[str]
    mark_taken: strawberry.Private[Callable[[], Awaitable[None]]]

    @strawberry.field(
        description=(
            "The CSV itself. Asking for it records the export as taken (what closePortfolio's "
            "EXPORT_REQUIRED checks); asking only for rowCount or filename records nothing."
        )
    )
    async def content(self) -> str:
        await self.mark_taken()
        return self.text


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_global_id(type_name, pk))


@strawberry.type
class PortfoliosMutation:
    @mutation(
        description="Portfolio owner only (the account owner when the portfolio's owner cannot "
        "sign in): delete the portfolio, its metric and billing records, disconnect the linked "
        "accounts and sign the owner out. Errors: NOT_FOUND, FORBIDDEN, INVALID_INPUT, "
        "CONFIRMATION_MISMATCH, EXPORT_REQUIRED."
    )
    async def close_portfolio(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            ClosePortfolioInput,
            strawberry.argument(description="The portfolio, the reason, the name typed back."),
        ],
    ) -> ClosePortfolioPayload:
        ctx = info.context
        ctx.require_viewer()
        request = ClosePortfolioData(
            portfolio_id=str(input.portfolio_id),
            reason=input.reason,
            details=input.details,
            confirm_name=input.confirm_name,
            acknowledge_data_loss=bool(input.acknowledge_data_loss),
        )
        closed = await close_portfolio(ctx, request)
        return ClosePortfolioPayload(
            closed_portfolio_id=_gid("Portfolio", closed.portfolio_id),
            disconnected_account_ids=[
                _gid("Account", pk) for pk in closed.disconnected_account_ids
            ],
            reason_category=closed.reason_category,
        )


@strawberry.type
class PortfolioExportQuery:
    @refusable_query(
        field=["portfolioId"],
        description="Who may close the portfolio (its owner, or the account owner when its owner "
        "cannot sign in): an export as CSV; taking its content counts for closePortfolio. "
        "Errors (GraphQL): NOT_FOUND, FORBIDDEN.",
    )
    async def portfolio_export(
        self,
        info: strawberry.Info[RequestContext],
        portfolio_id: Annotated[
            strawberry.ID, strawberry.argument(description="The portfolio (global id).")
        ],
        kind: Annotated[
            PortfolioExportKind, strawberry.argument(description="Which export: BILLING or METRIC.")
        ],
    ) -> CsvExport:
        """A portfolio's data as CSV (portfolio owner only); records when it was taken."""
        ctx = info.context
        ctx.require_viewer()
        export = await take_portfolio_export(ctx, str(portfolio_id), kind)
        return CsvExport(
            filename=export.file.filename,
            content_type=export.file.content_type,
            row_count=export.file.row_count,
            text=export.file.text,
            mark_taken=export.mark_taken,
        )
