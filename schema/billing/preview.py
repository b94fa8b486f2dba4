"""``billingPreview(change: BillingChangeInput!)``: what a seat or contact change would cost.

Each branch runs the very mutation it previews in dry-run mode (same locks, same roll-over, same
validation, nothing written), so a preview and the mutation it announces cannot drift apart.
Refusals become GraphQL errors with ``extensions.code`` (``refusable_query``: a query has no
``userErrors``).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.contacts import marketing
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, request_error
from resolvers.rules import billing as rules
from resolvers.seats import changes as seat_changes
from resolvers.users import lifecycle as users_lifecycle
from schema.billing import BillingPreview
from schema.contacts.marketing import CreateContactInput, SetMarketingStatusInput
from schema.extensions import refusable_query
from schema.seats import SeatCountInput
from schema.users.mutations import (
    AddUserInput,
    DeactivateUserInput,
    ReactivateUserInput,
)


@strawberry.input(
    one_of=True,
    description="The change to price: exactly one field must be set, with the input of the "
    "mutation it previews (its dryRun is ignored: a preview never writes).",
)
class BillingChangeInput:
    add_user: AddUserInput | None = strawberry.field(
        default=strawberry.UNSET, description="Price addUser."
    )
    deactivate_user: DeactivateUserInput | None = strawberry.field(
        default=strawberry.UNSET, description="Price deactivateUser."
    )
    reactivate_user: ReactivateUserInput | None = strawberry.field(
        default=strawberry.UNSET, description="Price reactivateUser."
    )
    add_seats: SeatCountInput | None = strawberry.field(
        default=strawberry.UNSET, description="Price addSeats."
    )
    remove_unused_seats: SeatCountInput | None = strawberry.field(
        default=strawberry.UNSET, description="Price removeUnusedSeats."
    )
    set_marketing_status: SetMarketingStatusInput | None = strawberry.field(
        default=strawberry.UNSET, description="Price setMarketingStatus."
    )
    create_contact: CreateContactInput | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Creating a contact: a marketing contact past the tier limit moves the account up "
            "a tier (contract addition)."
        ),
    )


async def preview_change(ctx: RequestContext, change: BillingChangeInput) -> rules.BillingPreview:
    if change.set_marketing_status:
        data_m = change.set_marketing_status.to_data(dry_run=True)
        return (await marketing.set_marketing_status(ctx, data_m)).preview
    if change.create_contact:
        data_c = change.create_contact.to_data(dry_run=True)
        created = (await marketing.create_contact(ctx, data_c)).preview
        assert created is not None  # a dry run always prices the change
        return created
    if change.add_user:
        return (await users_lifecycle.add_user(ctx, change.add_user.to_data(dry_run=True))).preview
    if change.deactivate_user:
        data = change.deactivate_user.to_data(dry_run=True)
        return (await users_lifecycle.deactivate_user(ctx, data)).preview
    if change.reactivate_user:
        data_r = change.reactivate_user.to_data(dry_run=True)
        return (await users_lifecycle.reactivate_user(ctx, data_r)).preview
    if change.add_seats:
        return await seat_changes.add_seats(ctx, change.add_seats.to_data(dry_run=True))
    if change.remove_unused_seats:
        data_s = change.remove_unused_seats.to_data(dry_run=True)
        return await seat_changes.remove_unused_seats(ctx, data_s)
    raise request_error(ErrorCode.INVALID_INPUT, "Set exactly one change to preview.")


@strawberry.type
class BillingPreviewQuery:
    @refusable_query(
        description="What a seat, user or contact change would cost, computed by the mutation "
        "itself in dry-run mode (same permissions and checks; never refuses for lack of "
        "allowSeatPurchase). A refusal is a GraphQL error with the mutation's code."
    )
    async def billing_preview(
        self,
        info: strawberry.Info[RequestContext],
        change: Annotated[
            BillingChangeInput, strawberry.argument(description="The change to price.")
        ],
    ) -> BillingPreview:
        ctx = info.context
        ctx.require_viewer()
        return BillingPreview.from_preview(await preview_change(ctx, change))
