"""Reading portfolios: which one the viewer sees, its linked accounts, metric points, exports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select

from db.enums import ClosureKind, PortfolioExportKind
from db.models import (
    Account,
    ClosureRecord,
    Portfolio,
    PortfolioAccount,
    PortfolioExport,
    PortfolioMetricPoint,
    User,
)
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id
from resolvers.pagination import Page, PageRequest, fetch_page

#: A bounded list, not a connection: an account closes a handful of portfolios at most.
MAX_CLOSURES_LISTED = 100


def _visible_portfolios(ctx: RequestContext) -> Select[tuple[Portfolio]]:
    """Portfolios the viewer may see: one they own, or the one their account is linked to."""
    viewer = ctx.viewer
    linked = select(PortfolioAccount.portfolio_id).where(
        PortfolioAccount.account_id == viewer.account_id
    )
    return select(Portfolio).where(
        or_(Portfolio.owner_user_id == viewer.user_id, Portfolio.id.in_(linked))
    )


async def viewer_portfolio(ctx: RequestContext) -> Portfolio | None:
    """The viewer's own portfolio first, else the one their account belongs to."""
    query = _visible_portfolios(ctx).order_by(
        (Portfolio.owner_user_id == ctx.viewer.user_id).desc(), Portfolio.id
    )
    async with ctx.db.read() as session:
        return (await session.scalars(query.limit(1))).first()


async def account_portfolio(ctx: RequestContext) -> Portfolio | None:
    linked = select(PortfolioAccount.portfolio_id).where(
        PortfolioAccount.account_id == ctx.viewer.account_id
    )
    async with ctx.db.read() as session:
        return (await session.scalars(select(Portfolio).where(Portfolio.id.in_(linked)))).first()


async def find_portfolio(ctx: RequestContext, global_id: str) -> Portfolio | None:
    """A portfolio by global id, if the viewer may see it (else ``None``, like an unknown id)."""
    pk = decode_typed_id(global_id, "Portfolio")
    if pk is None:
        return None
    async with ctx.db.read() as session:
        return (await session.scalars(_visible_portfolios(ctx).where(Portfolio.id == pk))).first()


async def linked_accounts(
    ctx: RequestContext, portfolio_id: int
) -> list[tuple[int, str, datetime]]:
    query = (
        select(Account.id, Account.name, PortfolioAccount.linked_at)
        .join(PortfolioAccount, PortfolioAccount.account_id == Account.id)
        .where(PortfolioAccount.portfolio_id == portfolio_id)
        .order_by(PortfolioAccount.linked_at, Account.id)
    )
    async with ctx.db.read() as session:
        return [(int(a), str(n), t) for a, n, t in (await session.execute(query)).all()]


async def metric_points(
    ctx: RequestContext, portfolio_id: int, page: PageRequest, *, only_account: int | None = None
) -> Page[PortfolioMetricPoint]:
    query: Select[tuple[PortfolioMetricPoint]] = select(PortfolioMetricPoint).where(
        PortfolioMetricPoint.portfolio_id == portfolio_id
    )
    if only_account is not None:
        query = query.where(PortfolioMetricPoint.account_id == only_account)
    return await fetch_page(ctx, query, PortfolioMetricPoint.id, page)


async def exported_at(
    ctx: RequestContext, portfolio_id: int, kind: PortfolioExportKind
) -> datetime | None:
    async with ctx.db.read() as session:
        moment: datetime | None = await session.scalar(
            select(PortfolioExport.exported_at).where(
                PortfolioExport.portfolio_id == portfolio_id, PortfolioExport.kind == kind
            )
        )
    return moment


async def portfolio_closures(ctx: RequestContext) -> list[ClosureRecord]:
    """Closure records of the account's closed portfolios, newest first (account owner only).

    A closure record names no account (it outlives everything); the portfolio's account is the
    account of whoever closed it (its owner, or the account owner), and user rows are never
    removed, so the closer's account finds them.
    """
    viewer = ctx.viewer
    if not viewer.is_account_owner:
        raise BusinessError.of(
            ErrorCode.FORBIDDEN, "Only the account owner can read portfolio closures."
        )
    closers = select(User.id).where(User.account_id == viewer.account_id)
    query = (
        select(ClosureRecord)
        .where(
            ClosureRecord.kind == ClosureKind.PORTFOLIO,
            ClosureRecord.closed_by_user_id.in_(closers),
        )
        .order_by(ClosureRecord.closed_at.desc(), ClosureRecord.id.desc())
        .limit(MAX_CLOSURES_LISTED)
    )
    async with ctx.db.read() as session:
        return list((await session.scalars(query)).all())
