"""Rebuilding a portfolio (issue 17): create, link requests, unlink, metric.

Rules: ``resolvers.portfolios.building``. Closing stays ``closePortfolio`` (in
``schema/portfolios/__init__.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import models
from db.enums import PortfolioLinkStatus
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.portfolios import building
from schema.common import UserError, describe_enum
from schema.extensions import BusinessErrorsAsRequestErrors, mutation
from schema.portfolios import Portfolio

describe_enum(
    PortfolioLinkStatus,
    "Where a request to link an account to a portfolio stands.",
    PENDING="Waiting for the requested account's owner.",
    ACCEPTED="Accepted: the account was linked.",
    DECLINED="The account's owner said no.",
    CANCELLED="Withdrawn, or the portfolio or the account went away.",
)


@strawberry.type(
    description="The portfolio owner's request to link an account; that account's owner "
    "accepts or declines it."
)
class PortfolioLinkRequest:
    id: strawberry.ID = strawberry.field(description="Global id of the request.")
    portfolio_id: strawberry.ID = strawberry.field(description="The portfolio asking.")
    portfolio_name: str = strawberry.field(description="Its name, for the account owner.")
    account_id: strawberry.ID = strawberry.field(description="The account asked to join.")
    status: PortfolioLinkStatus = strawberry.field(description="PENDING until decided.")
    created_at: datetime = strawberry.field(description="When it was asked.")
    decided_at: datetime | None = strawberry.field(
        description="When it was accepted or declined; null while pending."
    )

    @classmethod
    def from_row(
        cls, row: models.PortfolioLinkRequest, portfolio_name: str
    ) -> PortfolioLinkRequest:
        return cls(
            id=strawberry.ID(encode_global_id("PortfolioLinkRequest", row.id)),
            portfolio_id=strawberry.ID(encode_global_id("Portfolio", row.portfolio_id)),
            portfolio_name=portfolio_name,
            account_id=strawberry.ID(encode_global_id("Account", row.account_id)),
            status=row.status,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )


@strawberry.input(description="A new portfolio, owned by the caller.")
class CreatePortfolioInput:
    name: str = strawberry.field(description="1-200 characters, trimmed.")


@strawberry.input(description="A portfolio and an account.")
class PortfolioAccountInput:
    portfolio_id: strawberry.ID = strawberry.field(description="The portfolio (you own it).")
    account_id: strawberry.ID = strawberry.field(description="The account (global id).")


@strawberry.input(description="A link request to decide.")
class PortfolioLinkDecisionInput:
    request_id: strawberry.ID = strawberry.field(description="The request's global id.")


@strawberry.input(description="The portfolio's metric.")
class SetPortfolioMetricInput:
    portfolio_id: strawberry.ID = strawberry.field(description="The portfolio (you own it).")
    name: str = strawberry.field(description="The metric's name, 1-200 characters, trimmed.")


@strawberry.type(
    description="Result of createPortfolio, unlinkPortfolioAccount, setPortfolioMetric."
)
class PortfolioPayload:
    portfolio: Portfolio | None = strawberry.field(
        default=None, description="The portfolio after the change."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(
    description="Result of requestPortfolioLink, acceptPortfolioLink, declinePortfolioLink."
)
class PortfolioLinkPayload:
    request: PortfolioLinkRequest | None = strawberry.field(
        default=None, description="The request after the change."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


def _link_payload(decision: building.LinkDecision) -> PortfolioLinkPayload:
    return PortfolioLinkPayload(
        request=PortfolioLinkRequest.from_row(decision.request, decision.portfolio.name)
    )


def _gid(value: strawberry.ID) -> str:
    return str(value)


@strawberry.type
class PortfolioBuildingMutation:
    @mutation(
        description="Create a portfolio; the caller becomes its owner. Admins only. userErrors: "
        "FORBIDDEN, INVALID_INPUT (name), INVALID_STATE (you already own a portfolio)."
    )
    async def create_portfolio(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            CreatePortfolioInput, strawberry.argument(description="The new portfolio.")
        ],
    ) -> PortfolioPayload:
        row = await building.create_portfolio(info.context, input.name)
        return PortfolioPayload(portfolio=Portfolio.from_row(row))

    @mutation(
        description="Ask to link an account to your portfolio; its owner must accept (linked at "
        "once when you own that account). userErrors: NOT_FOUND, FORBIDDEN (not the portfolio "
        "owner), INVALID_STATE (already in a portfolio, or a request is pending)."
    )
    async def request_portfolio_link(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            PortfolioAccountInput, strawberry.argument(description="The portfolio and the account.")
        ],
    ) -> PortfolioLinkPayload:
        decision = await building.request_portfolio_link(
            info.context, _gid(input.portfolio_id), _gid(input.account_id)
        )
        return _link_payload(decision)

    @mutation(
        description="Accept a link request to your account (account owner only): the account "
        "joins the portfolio. userErrors: NOT_FOUND, FORBIDDEN, INVALID_STATE (not pending, or "
        "the account is already in a portfolio)."
    )
    async def accept_portfolio_link(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            PortfolioLinkDecisionInput,
            strawberry.argument(description="The link request to decide."),
        ],
    ) -> PortfolioLinkPayload:
        decision = await building.decide_portfolio_link(
            info.context, _gid(input.request_id), accept=True
        )
        return _link_payload(decision)

    @mutation(
        description="Decline a link request to your account (account owner only). userErrors: "
        "NOT_FOUND, FORBIDDEN, INVALID_STATE (not pending)."
    )
    async def decline_portfolio_link(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            PortfolioLinkDecisionInput,
            strawberry.argument(description="The link request to decide."),
        ],
    ) -> PortfolioLinkPayload:
        decision = await building.decide_portfolio_link(
            info.context, _gid(input.request_id), accept=False
        )
        return _link_payload(decision)

    @mutation(
        description="Unlink an account from a portfolio: the portfolio owner, or the owner of "
        "the linked account. userErrors: NOT_FOUND, FORBIDDEN."
    )
    async def unlink_portfolio_account(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            PortfolioAccountInput, strawberry.argument(description="The portfolio and the account.")
        ],
    ) -> PortfolioPayload:
        row = await building.unlink_portfolio_account(
            info.context, _gid(input.portfolio_id), _gid(input.account_id)
        )
        return PortfolioPayload(portfolio=Portfolio.from_row(row))

    @mutation(
        description="Set the portfolio's metric (its name); the portfolio owner only. "
        "userErrors: NOT_FOUND, FORBIDDEN, INVALID_INPUT."
    )
    async def set_portfolio_metric(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            SetPortfolioMetricInput,
            strawberry.argument(description="The portfolio and its metric."),
        ],
    ) -> PortfolioPayload:
        row = await building.set_portfolio_metric(
            info.context, _gid(input.portfolio_id), input.name
        )
        return PortfolioPayload(portfolio=Portfolio.from_row(row))


@strawberry.type
class PortfolioBuildingQuery:
    @strawberry.field(
        extensions=[BusinessErrorsAsRequestErrors(None)],
        description="Pending requests to link the viewer's account to a portfolio. The account "
        "owner only (FORBIDDEN otherwise).",
    )
    async def portfolio_link_requests(
        self, info: strawberry.Info[RequestContext]
    ) -> list[PortfolioLinkRequest]:
        rows = await building.pending_link_requests(info.context)
        return [PortfolioLinkRequest.from_row(row, name) for row, name in rows]
