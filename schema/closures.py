"""Closures and exports: closePortfolio, transferAccountOwnership, closeAccount, portfolioExport."""

from __future__ import annotations

import strawberry

from resolvers.account_closure import (
    CloseAccountRequest,
    close_account,
    transfer_account_ownership,
)
from resolvers.context import RequestContext
from resolvers.exports import take_portfolio_export
from resolvers.ids import encode_global_id
from resolvers.portfolio_closure import ClosePortfolioRequest, close_portfolio
from schema.accounts import Account
from schema.common import (
    PortfolioCloseReason,
    PortfolioCloseReasonCategory,
    PortfolioExportKind,
    UserError,
)
from schema.extensions import mutation, refusable_query


@strawberry.input
class ClosePortfolioInput:
    portfolio_id: strawberry.ID
    reason: PortfolioCloseReason
    details: str | None = None
    confirm_name: str
    acknowledge_data_loss: bool | None = False


@strawberry.input
class CloseAccountInput:
    confirm_name: str
    reason: str | None = None
    acknowledge_data_loss: bool | None = False


@strawberry.input
class TransferAccountOwnershipInput:
    to_user_id: strawberry.ID


@strawberry.type
class ClosePortfolioPayload:
    closed_portfolio_id: strawberry.ID | None = None
    disconnected_account_ids: list[strawberry.ID] | None = None
    reason_category: PortfolioCloseReasonCategory | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CloseAccountPayload:
    closed_account_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TransferAccountOwnershipPayload:
    account: Account | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CsvExport:
    filename: str
    content_type: str
    row_count: int
    content: str


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_global_id(type_name, pk))


@strawberry.type
class ClosuresMutation:
    @mutation()
    async def close_portfolio(
        self,
        info: strawberry.Info[RequestContext],
        input: ClosePortfolioInput,
    ) -> ClosePortfolioPayload:
        ctx = info.context
        ctx.require_viewer()
        request = ClosePortfolioRequest(
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

    @mutation()
    async def transfer_account_ownership(
        self,
        info: strawberry.Info[RequestContext],
        input: TransferAccountOwnershipInput,
    ) -> TransferAccountOwnershipPayload:
        ctx = info.context
        ctx.require_viewer()
        account = await transfer_account_ownership(ctx, str(input.to_user_id))
        return TransferAccountOwnershipPayload(account=Account.from_row(account))

    @mutation()
    async def close_account(
        self,
        info: strawberry.Info[RequestContext],
        input: CloseAccountInput,
    ) -> CloseAccountPayload:
        ctx = info.context
        ctx.require_viewer()
        request = CloseAccountRequest(
            confirm_name=input.confirm_name,
            reason=input.reason,
            acknowledge_data_loss=bool(input.acknowledge_data_loss),
        )
        account_id = await close_account(ctx, request)
        return CloseAccountPayload(closed_account_id=_gid("Account", account_id))


@strawberry.type
class ExportsQuery:
    @refusable_query(field=["portfolioId"])
    async def portfolio_export(
        self,
        info: strawberry.Info[RequestContext],
        portfolio_id: strawberry.ID,
        kind: PortfolioExportKind,
    ) -> CsvExport:
        """A portfolio's data as CSV (portfolio owner only); records when it was taken."""
        ctx = info.context
        ctx.require_viewer()
        export = await take_portfolio_export(ctx, str(portfolio_id), kind)
        return CsvExport(
            filename=export.filename,
            content_type=export.content_type,
            row_count=export.row_count,
            content=export.text,
        )
