"""The Account type, the account query and ``node`` (lookup of any object by global id)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import models
from resolvers.accounts import load_account, load_account_owner_id
from resolvers.accounts.closure import (
    CloseAccountData,
    ClosureConsequences,
    close_account,
    close_account_consequences,
    transfer_account_ownership,
)
from resolvers.billing.subscriptions import load_subscription
from resolvers.context import RequestContext
from resolvers.ids import decode_global_id, encode_global_id
from resolvers.portfolios import account_portfolio, find_portfolio
from schema.billing import BillingSubscription, ContactUsage, resolve_contact_usage
from schema.common import Money, Node, UserError, money
from schema.extensions import mutation
from schema.portfolios import Portfolio
from schema.seats import SeatSummary, resolve_seat_summary
from schema.users import User, load_user


@strawberry.type(description="Your company's CRM account: everything you see belongs to it.")
class Account(Node):
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="Account name (typed back to close the account).")

    @classmethod
    def from_row(cls, row: models.Account) -> Account:
        return cls(id=strawberry.ID(encode_global_id("Account", row.id)), pk=row.id, name=row.name)

    @strawberry.field(description="The account owner: an active admin who can sign in.")
    async def owner(self, info: strawberry.Info[RequestContext]) -> User:
        user = await load_user(info.context, await load_account_owner_id(info.context))
        assert user is not None
        return user

    @strawberry.field(
        description="Billing subscription: currency, seat price, period, contact tier."
    )
    async def subscription(self, info: strawberry.Info[RequestContext]) -> BillingSubscription:
        return BillingSubscription.from_view(await load_subscription(info.context))

    @strawberry.field(description="Seat counts (billable = OCCUPIED + FREE + PENDING_REMOVAL).")
    async def seat_summary(self, info: strawberry.Info[RequestContext]) -> SeatSummary:
        return await resolve_seat_summary(info.context)

    @strawberry.field(
        description="Marketing contacts against the contact tier (same as contactUsage)."
    )
    async def contact_usage(self, info: strawberry.Info[RequestContext]) -> ContactUsage:
        return await resolve_contact_usage(info.context)

    @strawberry.field(description="The portfolio this account is linked to, if any.")
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
    @strawberry.field(
        description="The viewer's account. Needs a token (UNAUTHENTICATED otherwise)."
    )
    async def account(self, info: strawberry.Info[RequestContext]) -> Account:
        return Account.from_row(await load_account(info.context))

    @strawberry.field(
        description="Any object of your account by global id; null for an unknown id, an id of "
        "another account, or an audit event for a non-admin."
    )
    async def node(
        self,
        info: strawberry.Info[RequestContext],
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id (`Node.id`).")],
    ) -> Node | None:
        info.context.require_viewer()
        return await resolve_node(info.context, id)


@strawberry.input(description="Confirmation for closeAccount.")
class CloseAccountInput:
    confirm_name: str = strawberry.field(
        description="The account name typed back (trimmed, case-insensitive); else "
        "CONFIRMATION_MISMATCH."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why, for the closure record; at most 64 characters."
    )
    acknowledge_data_loss: bool | None = strawberry.field(
        default=False,
        description="Close without a full export taken first (else EXPORT_REQUIRED).",
    )
    dry_run: bool | None = strawberry.field(
        default=False,
        description="When true, nothing is closed or changed: the payload's `consequences` say "
        "what closing would delete, end and stop. The name and the export are not checked then; "
        "only the account owner may ask (FORBIDDEN otherwise). Default false.",
    )


@strawberry.input(description="Who becomes account owner.")
class TransferAccountOwnershipInput:
    to_user_id: strawberry.ID = strawberry.field(
        description="An active admin of the account who can sign in (has a password)."
    )


@strawberry.type(
    description="What closing the account deletes, ends and stops (closeAccount with dryRun)."
)
class AccountClosureConsequences:
    users: int = strawberry.field(description="Users deleted (every status).")
    contacts: int = strawberry.field(description="Contacts deleted.")
    deals: int = strawberry.field(description="Deals deleted.")
    leads: int = strawberry.field(description="Leads deleted.")
    organizations: int = strawberry.field(description="Organizations deleted.")
    activities: int = strawberry.field(description="Activities deleted.")
    seats: int = strawberry.field(description="Seats deleted (every status).")
    ledger_entries: int = strawberry.field(description="Billing ledger rows deleted.")
    audit_events: int = strawberry.field(description="Audit events deleted.")
    sessions_ended: int = strawberry.field(
        description="Sign-in sessions still live (not revoked, not expired) that closing ends."
    )
    seat_charge_per_period: Money = strawberry.field(
        description="The seat charge that stops: billable seats times the seat price, per "
        "billing period."
    )
    tier_charge_per_period: Money = strawberry.field(
        description="The contact tier charge that stops, per billing period."
    )
    full_export_exists: bool = strawberry.field(
        description="Whether a full export was ever taken (GET /exports/account.zip)."
    )
    full_export_at: datetime | None = strawberry.field(
        description="When the last full export was taken; null when never."
    )

    @classmethod
    def from_data(cls, data: ClosureConsequences) -> AccountClosureConsequences:
        return cls(
            users=data.users,
            contacts=data.contacts,
            deals=data.deals,
            leads=data.leads,
            organizations=data.organizations,
            activities=data.activities,
            seats=data.seats,
            ledger_entries=data.ledger_entries,
            audit_events=data.audit_events,
            sessions_ended=data.sessions_ended,
            seat_charge_per_period=money(data.seat_charge_per_period, data.currency),
            tier_charge_per_period=money(data.tier_charge_per_period, data.currency),
            full_export_exists=data.full_export_at is not None,
            full_export_at=data.full_export_at,
        )


@strawberry.type(description="Result of closeAccount.")
class CloseAccountPayload:
    closed_account_id: strawberry.ID | None = strawberry.field(
        default=None, description="Id of the closed account; null when refused."
    )
    consequences: AccountClosureConsequences | None = strawberry.field(
        default=None,
        description="Set on a dry run only: what closing would do. Null after a real close.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of transferAccountOwnership.")
class TransferAccountOwnershipPayload:
    account: Account | None = strawberry.field(
        default=None, description="The account with its new owner; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_global_id(type_name, pk))


@strawberry.type
class AccountsMutation:
    @mutation(
        description="Account owner only: hand ownership to another active admin who can sign in; "
        "the old owner stays an admin. Errors: FORBIDDEN, NOT_FOUND, INVALID_STATE, "
        "CANNOT_SIGN_IN."
    )
    async def transfer_account_ownership(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            TransferAccountOwnershipInput, strawberry.argument(description="The new account owner.")
        ],
    ) -> TransferAccountOwnershipPayload:
        ctx = info.context
        ctx.require_viewer()
        account = await transfer_account_ownership(ctx, str(input.to_user_id))
        return TransferAccountOwnershipPayload(account=Account.from_row(account))

    @mutation(
        description="Account owner only, irreversible: delete every row of the account and end "
        "every session; a closure record remains. Needs the name typed back and a full export "
        "(or acknowledgeDataLoss). Errors: FORBIDDEN, INVALID_INPUT, CONFIRMATION_MISMATCH, "
        "EXPORT_REQUIRED."
    )
    async def close_account(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            CloseAccountInput,
            strawberry.argument(
                description="The account name typed back, a reason and the export acknowledgement."
            ),
        ],
    ) -> CloseAccountPayload:
        ctx = info.context
        ctx.require_viewer()
        if input.dry_run:
            consequences = await close_account_consequences(ctx)
            return CloseAccountPayload(
                consequences=AccountClosureConsequences.from_data(consequences)
            )
        request = CloseAccountData(
            confirm_name=input.confirm_name,
            reason=input.reason,
            acknowledge_data_loss=bool(input.acknowledge_data_loss),
        )
        account_id = await close_account(ctx, request)
        return CloseAccountPayload(closed_account_id=_gid("Account", account_id))
