"""The Account type, the account query and ``node`` (lookup of any object by global id)."""

from __future__ import annotations

import strawberry

from db import models
from resolvers.accounts import load_account, load_account_owner_id
from resolvers.accounts.closure import CloseAccountData, close_account, transfer_account_ownership
from resolvers.billing.subscriptions import load_subscription
from resolvers.context import RequestContext
from resolvers.ids import decode_global_id, encode_global_id
from resolvers.portfolios import account_portfolio, find_portfolio
from schema.billing import BillingSubscription, ContactUsage, resolve_contact_usage
from schema.common import Node, UserError
from schema.extensions import mutation
from schema.portfolios import Portfolio
from schema.seats import SeatSummary, resolve_seat_summary
from schema.users import User, load_user


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


@strawberry.input
class CloseAccountInput:
    confirm_name: str
    reason: str | None = None
    acknowledge_data_loss: bool | None = False


@strawberry.input
class TransferAccountOwnershipInput:
    to_user_id: strawberry.ID


@strawberry.type
class CloseAccountPayload:
    closed_account_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TransferAccountOwnershipPayload:
    account: Account | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_global_id(type_name, pk))


@strawberry.type
class AccountsMutation:
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
        request = CloseAccountData(
            confirm_name=input.confirm_name,
            reason=input.reason,
            acknowledge_data_loss=bool(input.acknowledge_data_loss),
        )
        account_id = await close_account(ctx, request)
        return CloseAccountPayload(closed_account_id=_gid("Account", account_id))
