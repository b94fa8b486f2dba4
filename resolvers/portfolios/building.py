"""Rebuilding a portfolio after closing it (issue 17; Klaviyo "relink each account and
re-establish the metric"): create, link requests, unlink, set the metric. All audited.

Rules written down:
- ``createPortfolio``: account admins (``FORBIDDEN``); the creator becomes the owner; the
  portfolio belongs to the creator's account. One portfolio per owner: creating a second one is
  ``INVALID_STATE`` (an account owner may still hold more when a leaving user's portfolio is
  handed to them). Names are trimmed, 1-200 characters (``INVALID_INPUT``).
- ``requestPortfolioLink(portfolioId, accountId)``: the portfolio owner only (a viewer who sees
  the portfolio without owning it gets ``FORBIDDEN``; an unknown portfolio or account is
  ``NOT_FOUND``). An account already in a portfolio, or with a pending request to this
  portfolio, is ``INVALID_STATE``. When the portfolio owner is also the owner of that account the
  link is made at once (asking is agreeing).
- ``acceptPortfolioLink`` / ``declinePortfolioLink(requestId)``: only the owner of the requested
  account (others ``FORBIDDEN``; a request for another account is ``NOT_FOUND``); only a
  ``PENDING`` request (``INVALID_STATE``). Accepting links the account (``INVALID_STATE`` when it
  joined another portfolio meanwhile).
- ``unlinkPortfolioAccount(portfolioId, accountId)``: the portfolio owner, or the owner of the
  linked account (leaving). The account's metric points stay with the portfolio's history.
- ``setPortfolioMetric(portfolioId, name)``: the portfolio owner; 1-200 characters; the metric
  export becomes stale (``metric_changed_at``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import PortfolioLinkStatus
from db.models import Account, Portfolio, PortfolioAccount, PortfolioLinkRequest, User
from resolvers import audit
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.permissions import require_admin
from resolvers.portfolios import _visible_portfolios

MAX_NAME_LENGTH = 200


def _fail(code: ErrorCode, message: str, *field: str) -> BusinessError:
    return BusinessError.of(code, message, ["input", *field])


def _clean_name(name: str, field: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise _fail(
            ErrorCode.INVALID_INPUT, f"Give a name of 1 to {MAX_NAME_LENGTH} characters.", field
        )
    return cleaned


def _gid(portfolio: Portfolio) -> str:
    return encode_global_id("Portfolio", portfolio.id)


async def create_portfolio(ctx: RequestContext, name: str) -> Portfolio:
    viewer = require_admin(ctx, "Only account admins can create a portfolio.")
    cleaned = _clean_name(name, "name")
    async with ctx.db.write() as session:
        owned = await session.scalar(
            select(Portfolio.id).where(Portfolio.owner_user_id == viewer.user_id).limit(1)
        )
        if owned is not None:
            raise _fail(ErrorCode.INVALID_STATE, "You already own a portfolio.", "name")
        portfolio = Portfolio(
            account_id=viewer.account_id,
            owner_user_id=viewer.user_id,
            name=cleaned,
            metric_name="",
            created_at=ctx.now,
            billing_changed_at=ctx.now,
            metric_changed_at=ctx.now,
        )
        session.add(portfolio)
        await session.flush()
        audit.record_for(session, ctx, "portfolio.create", _gid(portfolio), {"name": cleaned})
    return portfolio


async def _lock_own_portfolio(
    session: AsyncSession, ctx: RequestContext, global_id: str
) -> Portfolio:
    """The portfolio, locked, if the viewer owns it: NOT_FOUND if unseen, FORBIDDEN if not owned."""
    pk = decode_typed_id(global_id, "Portfolio")
    query = _visible_portfolios(ctx).where(Portfolio.id == (pk if pk is not None else -1))
    portfolio = (await session.scalars(query.with_for_update())).first()
    if portfolio is None:
        raise _fail(ErrorCode.NOT_FOUND, "No portfolio with this id.", "portfolioId")
    if portfolio.owner_user_id != ctx.viewer.user_id:
        raise _fail(ErrorCode.FORBIDDEN, "Only the portfolio owner can change it.", "portfolioId")
    return portfolio


async def _account_pk(session: AsyncSession, global_id: str) -> int:
    pk = decode_typed_id(global_id, "Account")
    found = await session.scalar(select(Account.id).where(Account.id == (pk or -1)))
    if found is None:
        raise _fail(ErrorCode.NOT_FOUND, "No account with this id.", "accountId")
    return int(found)


async def _owner_of_account(session: AsyncSession, account_id: int) -> int | None:
    owner: int | None = await session.scalar(
        select(User.id).where(User.account_id == account_id, User.is_account_owner.is_(True))
    )
    return owner


async def _link(
    session: AsyncSession, ctx: RequestContext, portfolio: Portfolio, account_id: int
) -> None:
    await _link_possible(session, account_id)
    session.add(
        PortfolioAccount(portfolio_id=portfolio.id, account_id=account_id, linked_at=ctx.now)
    )
    portfolio.metric_changed_at = ctx.now
    portfolio.billing_changed_at = ctx.now
    await session.flush()


@dataclass(frozen=True)
class LinkDecision:
    request: PortfolioLinkRequest
    portfolio: Portfolio


async def request_portfolio_link(
    ctx: RequestContext, portfolio_global_id: str, account_global_id: str
) -> LinkDecision:
    viewer = ctx.require_viewer()
    async with ctx.db.write() as session:
        portfolio = await _lock_own_portfolio(session, ctx, portfolio_global_id)
        account_id = await _account_pk(session, account_global_id)
        pending = await session.scalar(
            select(PortfolioLinkRequest.id).where(
                PortfolioLinkRequest.portfolio_id == portfolio.id,
                PortfolioLinkRequest.account_id == account_id,
                PortfolioLinkRequest.status == PortfolioLinkStatus.PENDING,
            )
        )
        if pending is not None:
            raise _fail(
                ErrorCode.INVALID_STATE, "A request to link that account is pending.", "accountId"
            )
        request = PortfolioLinkRequest(
            portfolio_id=portfolio.id,
            account_id=account_id,
            requested_by_user_id=viewer.user_id,
            status=PortfolioLinkStatus.PENDING,
            created_at=ctx.now,
        )
        if await _owner_of_account(session, account_id) == viewer.user_id:
            await _link(session, ctx, portfolio, account_id)  # asking is agreeing
            request.status = PortfolioLinkStatus.ACCEPTED
            request.decided_at = ctx.now
            request.decided_by_user_id = viewer.user_id
        else:
            await _link_possible(session, account_id)
        session.add(request)
        await session.flush()
        audit.record_for(
            session,
            ctx,
            "portfolio.link_request",
            _gid(portfolio),
            {
                "account": encode_global_id("Account", account_id),
                "request": encode_global_id("PortfolioLinkRequest", request.id),
                "status": request.status.value,
            },
        )
    return LinkDecision(request, portfolio)


async def _link_possible(session: AsyncSession, account_id: int) -> None:
    taken = await session.scalar(
        select(PortfolioAccount.id).where(PortfolioAccount.account_id == account_id)
    )
    if taken is not None:
        raise _fail(
            ErrorCode.INVALID_STATE, "That account already belongs to a portfolio.", "accountId"
        )


async def decide_portfolio_link(
    ctx: RequestContext, request_global_id: str, *, accept: bool
) -> LinkDecision:
    viewer = ctx.require_viewer()
    async with ctx.db.write() as session:
        pk = decode_typed_id(request_global_id, "PortfolioLinkRequest")
        request = (
            await session.scalars(
                select(PortfolioLinkRequest)
                .where(
                    PortfolioLinkRequest.id == (pk if pk is not None else -1),
                    PortfolioLinkRequest.account_id == viewer.account_id,
                )
                .with_for_update()
            )
        ).first()
        if request is None:
            raise _fail(ErrorCode.NOT_FOUND, "No link request with this id.", "requestId")
        if not viewer.is_account_owner:
            raise _fail(
                ErrorCode.FORBIDDEN,
                "Only the account owner can decide whether the account joins a portfolio.",
                "requestId",
            )
        if request.status is not PortfolioLinkStatus.PENDING:
            raise _fail(
                ErrorCode.INVALID_STATE,
                f"This request is already {request.status.value.lower()}.",
                "requestId",
            )
        portfolio = (
            await session.scalars(
                select(Portfolio).where(Portfolio.id == request.portfolio_id).with_for_update()
            )
        ).one()
        if accept:
            await _link(session, ctx, portfolio, viewer.account_id)
        request.status = PortfolioLinkStatus.ACCEPTED if accept else PortfolioLinkStatus.DECLINED
        request.decided_at = ctx.now
        request.decided_by_user_id = viewer.user_id
        await session.flush()
        audit.record_for(
            session,
            ctx,
            "portfolio.link_accept" if accept else "portfolio.link_decline",
            _gid(portfolio),
            {"request": encode_global_id("PortfolioLinkRequest", request.id)},
        )
    return LinkDecision(request, portfolio)


async def unlink_portfolio_account(
    ctx: RequestContext, portfolio_global_id: str, account_global_id: str
) -> Portfolio:
    viewer = ctx.require_viewer()
    async with ctx.db.write() as session:
        pk = decode_typed_id(portfolio_global_id, "Portfolio")
        query = _visible_portfolios(ctx).where(Portfolio.id == (pk if pk is not None else -1))
        portfolio = (await session.scalars(query.with_for_update())).first()
        if portfolio is None:
            raise _fail(ErrorCode.NOT_FOUND, "No portfolio with this id.", "portfolioId")
        account_id = await _account_pk(session, account_global_id)
        leaving_own_account = viewer.is_account_owner and account_id == viewer.account_id
        if portfolio.owner_user_id != viewer.user_id and not leaving_own_account:
            raise _fail(
                ErrorCode.FORBIDDEN,
                "Only the portfolio owner, or the owner of the linked account, can unlink it.",
                "accountId",
            )
        link = (
            await session.scalars(
                select(PortfolioAccount)
                .where(
                    PortfolioAccount.portfolio_id == portfolio.id,
                    PortfolioAccount.account_id == account_id,
                )
                .with_for_update()
            )
        ).first()
        if link is None:
            raise _fail(
                ErrorCode.NOT_FOUND, "That account is not linked to this portfolio.", "accountId"
            )
        await session.delete(link)
        portfolio.billing_changed_at = ctx.now
        portfolio.metric_changed_at = ctx.now
        await session.flush()
        audit.record_for(
            session,
            ctx,
            "portfolio.unlink",
            _gid(portfolio),
            {"account": encode_global_id("Account", account_id)},
        )
    return portfolio


async def set_portfolio_metric(
    ctx: RequestContext, portfolio_global_id: str, name: str
) -> Portfolio:
    ctx.require_viewer()
    cleaned = _clean_name(name, "name")
    async with ctx.db.write() as session:
        portfolio = await _lock_own_portfolio(session, ctx, portfolio_global_id)
        before = portfolio.metric_name
        if cleaned != before:
            portfolio.metric_name = cleaned
            portfolio.metric_changed_at = ctx.now
            await session.flush()
            audit.record_for(
                session,
                ctx,
                "portfolio.set_metric",
                _gid(portfolio),
                {"before": before, "after": cleaned},
            )
    return portfolio


async def pending_link_requests(ctx: RequestContext) -> list[tuple[PortfolioLinkRequest, str]]:
    """Pending requests to link the viewer's account, with the portfolio's name (owner only)."""
    viewer = ctx.require_viewer()
    if not viewer.is_account_owner:
        raise BusinessError.of(
            ErrorCode.FORBIDDEN, "Only the account owner sees portfolio link requests."
        )
    query = (
        select(PortfolioLinkRequest, Portfolio.name)
        .join(Portfolio, Portfolio.id == PortfolioLinkRequest.portfolio_id)
        .where(
            PortfolioLinkRequest.account_id == viewer.account_id,
            PortfolioLinkRequest.status == PortfolioLinkStatus.PENDING,
        )
        .order_by(PortfolioLinkRequest.id)
    )
    async with ctx.db.read() as session:
        return [(row, str(name)) for row, name in (await session.execute(query)).all()]
