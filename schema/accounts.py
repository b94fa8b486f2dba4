"""The Account type, the account query and ``node`` (lookup of any object by global id)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from resolvers.accounts import load_account, load_account_owner_id
from resolvers.context import RequestContext
from resolvers.ids import decode_global_id, encode_global_id
from resolvers.portfolios import account_portfolio, find_portfolio
from resolvers.seats import count_seats
from resolvers.subscriptions import load_subscription
from schema.billing import BillingSubscription, ContactUsage, resolve_contact_usage
from schema.common import Money, Node, money
from schema.portfolios import Portfolio
from schema.users import User, load_user


@strawberry.type
class SeatSummary:
    billable: int
    occupied: int
    free: int
    pending_removal: int
    seat_price: Money
    next_bill_date: datetime


@strawberry.type
class Account(Node):
    pk: strawberry.Private[int]
    name: str

    @classmethod
    def from_row(cls, row: models.Account) -> Account:
        return cls(id=strawberry.ID(encode_global_id("Account", row.id)), pk=row.id, name=row.name)

    @strawberry.field
    async def owner(self, info: strawberry.Info[RequestContext]) -> User:
        user = await load_user(info.context, await load_account_owner_id(info.context))
        assert user is not None
        return user

    @strawberry.field
    async def subscription(self, info: strawberry.Info[RequestContext]) -> BillingSubscription:
        return BillingSubscription.from_view(await load_subscription(info.context))

    @strawberry.field
    async def seat_summary(self, info: strawberry.Info[RequestContext]) -> SeatSummary:
        return await resolve_seat_summary(info.context)

    @strawberry.field
    async def contact_usage(self, info: strawberry.Info[RequestContext]) -> ContactUsage:
        return await resolve_contact_usage(info.context)

    @strawberry.field
    async def portfolio(self, info: strawberry.Info[RequestContext]) -> Portfolio | None:
        row = await account_portfolio(info.context)
        return Portfolio.from_row(row) if row is not None else None


async def resolve_seat_summary(ctx: RequestContext) -> SeatSummary:
    view = await load_subscription(ctx)
    counts = await count_seats(ctx, ctx.viewer.account_id)
    return SeatSummary(
        billable=counts.billable,
        occupied=counts.occupied,
        free=counts.free,
        pending_removal=counts.pending_removal,
        seat_price=money(view.row.seat_price, view.row.currency),
        next_bill_date=view.row.period_end,
    )


async def resolve_node(ctx: RequestContext, global_id: str) -> Node | None:
    """Any object of the viewer's account by global id; anything else is ``null``."""
    from schema.audit import AuditEvent
    from schema.contacts import Contact
    from schema.deals import Deal
    from schema.seats import Seat

    decoded = decode_global_id(global_id)
    if decoded is None:
        return None
    type_name, pk = decoded
    loaders = ctx.loaders
    if type_name == "User":
        return await load_user(ctx, pk)
    if type_name == "Seat":
        seat = await loaders.seat.load(pk)
        return Seat.from_row(seat) if seat else None
    if type_name == "Contact":
        contact = await loaders.contact.load(pk)
        return Contact.from_row(contact) if contact else None
    if type_name == "Deal":
        deal = await loaders.deal.load(pk)
        return Deal.from_row(deal) if deal else None
    if type_name == "AuditEvent" and ctx.viewer.is_admin:
        event = await loaders.audit_event.load(pk)
        return AuditEvent.from_row(event) if event else None
    if type_name == "Account" and pk == ctx.viewer.account_id:
        return Account.from_row(await load_account(ctx))
    if type_name == "Portfolio":
        portfolio = await find_portfolio(ctx, global_id)
        return Portfolio.from_row(portfolio) if portfolio else None
    return None


@strawberry.type
class AccountsQuery:
    @strawberry.field
    async def account(self, info: strawberry.Info[RequestContext]) -> Account:
        return Account.from_row(await load_account(info.context))

    @strawberry.field
    async def node(self, info: strawberry.Info[RequestContext], id: strawberry.ID) -> Node | None:
        info.context.require_viewer()
        return await resolve_node(info.context, id)
