"""Closing a portfolio (SPEC "Portfolios").

Check permission (owner) → load with a lock → decide (pure rules) → delete the portfolio's data
→ revoke the owner's sessions → closure record → audit. One transaction: a refusal changes nothing.

Rules written down: a viewer whose account is linked to the portfolio (so who can see it) but
who is not its owner gets ``FORBIDDEN``; a portfolio the viewer cannot see is ``NOT_FOUND``. The
closure record of a portfolio names no account (``closed_account_id`` is for closed accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ClosureKind, PortfolioCloseReason, PortfolioCloseReasonCategory
from db.enums import PortfolioExportKind as Kind
from db.models import (
    ClosureRecord,
    Portfolio,
    PortfolioAccount,
    PortfolioBillingRow,
    PortfolioExport,
    PortfolioLinkRequest,
    PortfolioMetricPoint,
)
from resolvers import audit
from resolvers.accounts.owners import closable_portfolios, may_close_portfolio
from resolvers.auth import revoke_sessions
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.portfolios import _visible_portfolios
from resolvers.rules.closures import (
    MAX_DETAILS_LENGTH,
    clean_optional_text,
    confirmation_matches,
    reason_category,
    stale_exports,
    text_too_long,
)


@dataclass(frozen=True)
class ClosePortfolioData:
    portfolio_id: str
    reason: PortfolioCloseReason
    details: str | None
    confirm_name: str
    acknowledge_data_loss: bool


@dataclass(frozen=True)
class PortfolioClosed:
    portfolio_id: int
    disconnected_account_ids: list[int]
    reason_category: PortfolioCloseReasonCategory


async def close_portfolio(ctx: RequestContext, request: ClosePortfolioData) -> PortfolioClosed:
    details = clean_optional_text(request.details)
    async with ctx.db.write() as session:
        portfolio = await _lock_owned_portfolio(session, ctx, request.portfolio_id)
        exported = await _export_times(session, portfolio.id)
        _check_can_close(request, details, portfolio, exported)
        portfolio_pk, owner_pk = portfolio.id, portfolio.owner_user_id
        removed = await _delete_portfolio(session, portfolio_pk)
        revoked = await revoke_sessions(session, [owner_pk], ctx.now)
        closed = PortfolioClosed(portfolio_pk, removed.account_ids, reason_category(request.reason))
        _record_closure(session, ctx, request, details, closed)
        audit.record_for(
            session,
            ctx,
            "portfolio.close",
            encode_global_id("Portfolio", portfolio_pk),
            {
                "reason": request.reason.value,
                "reason_category": closed.reason_category.value,
                "disconnected_account_ids": [
                    encode_global_id("Account", pk) for pk in removed.account_ids
                ],
                "metric_points_deleted": removed.metric_points,
                "billing_rows_deleted": removed.billing_rows,
                "sessions_revoked": revoked,
                "data_loss_acknowledged": request.acknowledge_data_loss,
            },
        )
    # The owner is logged out; an account owner closing an orphaned portfolio stays signed in.
    ctx.token_revoked = owner_pk == ctx.viewer.user_id
    return closed


def _record_closure(
    session: AsyncSession,
    ctx: RequestContext,
    request: ClosePortfolioData,
    details: str | None,
    closed: PortfolioClosed,
) -> None:
    """What outlives the portfolio: the reason, for product feedback."""
    session.add(
        ClosureRecord(
            kind=ClosureKind.PORTFOLIO,
            closed_subject_id=closed.portfolio_id,
            closed_account_id=None,
            closed_by_user_id=ctx.viewer.user_id,
            reason=request.reason.value,
            reason_category=closed.reason_category.value,
            details=details,
            closed_at=ctx.now,
        )
    )


async def _lock_owned_portfolio(
    session: AsyncSession, ctx: RequestContext, global_id: str
) -> Portfolio:
    pk = decode_typed_id(global_id, "Portfolio")
    query = closable_portfolios(ctx, _visible_portfolios(ctx))
    query = query.where(Portfolio.id == (pk if pk is not None else -1))
    portfolio = (await session.scalars(query.with_for_update())).first()
    if portfolio is None:
        raise BusinessError.of(
            ErrorCode.NOT_FOUND, "No portfolio with this id.", ["input", "portfolioId"]
        )
    if not await may_close_portfolio(session, ctx.viewer, portfolio):
        raise BusinessError.of(
            ErrorCode.FORBIDDEN,
            "Only the portfolio owner can close the portfolio (the account owner only when "
            "the portfolio's owner can no longer sign in).",
            ["input", "portfolioId"],
        )
    return portfolio


async def _export_times(session: AsyncSession, portfolio_id: int) -> dict[Kind, datetime | None]:
    rows = await session.execute(
        select(PortfolioExport.kind, PortfolioExport.exported_at).where(
            PortfolioExport.portfolio_id == portfolio_id
        )
    )
    return {Kind(kind): exported_at for kind, exported_at in rows.all()}


def _check_can_close(
    request: ClosePortfolioData,
    details: str | None,
    portfolio: Portfolio,
    exported: dict[Kind, datetime | None],
) -> None:
    if text_too_long(details, MAX_DETAILS_LENGTH):
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            f"Details can be at most {MAX_DETAILS_LENGTH} characters long.",
            ["input", "details"],
        )
    if not confirmation_matches(request.confirm_name, portfolio.name):
        raise BusinessError.of(
            ErrorCode.CONFIRMATION_MISMATCH,
            f"Type the portfolio's name ({portfolio.name}) to confirm closing it.",
            ["input", "confirmName"],
        )
    changed = {Kind.BILLING: portfolio.billing_changed_at, Kind.METRIC: portfolio.metric_changed_at}
    missing = stale_exports(exported, changed)
    if missing and not request.acknowledge_data_loss:
        names = " and ".join(kind.value.lower() for kind in missing)
        raise BusinessError.of(
            ErrorCode.EXPORT_REQUIRED,
            f"Download the {names} export first (its data changed since the last download), "
            "or confirm that this data may be lost.",
            ["input", "acknowledgeDataLoss"],
        )


@dataclass(frozen=True)
class _Removed:
    account_ids: list[int]
    metric_points: int
    billing_rows: int


async def _delete_portfolio(session: AsyncSession, portfolio_id: int) -> _Removed:
    """Delete the portfolio and everything hanging off it, children first (set-based)."""
    account_ids = list(
        (
            await session.scalars(
                select(PortfolioAccount.account_id)
                .where(PortfolioAccount.portfolio_id == portfolio_id)
                .order_by(PortfolioAccount.linked_at, PortfolioAccount.account_id)
            )
        ).all()
    )
    counts: dict[str, int] = {}
    for model in (
        PortfolioExport,
        PortfolioBillingRow,
        PortfolioMetricPoint,
        PortfolioAccount,
        PortfolioLinkRequest,
    ):
        result = await session.execute(delete(model).where(model.portfolio_id == portfolio_id))
        counts[model.__tablename__] = int(result.rowcount)  # type: ignore[attr-defined]
    await session.execute(delete(Portfolio).where(Portfolio.id == portfolio_id))
    return _Removed(
        account_ids=[int(pk) for pk in account_ids],
        metric_points=counts[PortfolioMetricPoint.__tablename__],
        billing_rows=counts[PortfolioBillingRow.__tablename__],
    )
