"""``billingPreview(change: BillingChangeInput!)``: what a seat or contact change would cost.

Each branch runs the very mutation it previews in dry-run mode (same locks, same roll-over, same
validation, nothing written), so a preview and the mutation it announces cannot drift apart.
Refusals become GraphQL errors with ``extensions.code`` here (a query has no ``userErrors``).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

import strawberry
from graphql import GraphQLError

from resolvers import seat_changes, users_lifecycle
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode, request_error
from resolvers.rules import billing as rules
from schema.billing import BillingPreview
from schema.marketing import SetMarketingStatusInput
from schema.user_mutations import (
    AddUserInput,
    DeactivateUserInput,
    ReactivateUserInput,
    SeatCountInput,
)


@strawberry.input(one_of=True, description="Exactly one field must be set.")
class BillingChangeInput:
    add_user: AddUserInput | None = strawberry.UNSET
    deactivate_user: DeactivateUserInput | None = strawberry.UNSET
    reactivate_user: ReactivateUserInput | None = strawberry.UNSET
    add_seats: SeatCountInput | None = strawberry.UNSET
    remove_unused_seats: SeatCountInput | None = strawberry.UNSET
    set_marketing_status: SetMarketingStatusInput | None = strawberry.UNSET


def _as_request_error(error: BusinessError) -> GraphQLError:
    first = error.errors[0]
    return request_error(first.code, first.message, field=first.field)


async def _preview_marketing(
    ctx: RequestContext, change: SetMarketingStatusInput
) -> rules.BillingPreview:
    """Delegated to the marketing domain, loaded lazily so this module does not depend on it."""
    unsupported = request_error(
        ErrorCode.INVALID_INPUT,
        "Previewing setMarketingStatus is not supported yet.",
        field=["change", "setMarketingStatus"],
    )
    try:
        module = importlib.import_module("resolvers.marketing")
    except ModuleNotFoundError as error:
        if error.name != "resolvers.marketing":
            raise
        raise unsupported from error
    preview_fn = getattr(module, "preview_set_marketing_status", None)
    if preview_fn is None:
        raise unsupported
    fn = cast(Callable[[RequestContext, Any], Awaitable[rules.BillingPreview]], preview_fn)
    return await fn(ctx, change)


async def preview_change(ctx: RequestContext, change: BillingChangeInput) -> rules.BillingPreview:
    if change.set_marketing_status:
        return await _preview_marketing(ctx, change.set_marketing_status)
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
    @strawberry.field
    async def billing_preview(
        self, info: strawberry.Info[RequestContext], change: BillingChangeInput
    ) -> BillingPreview:
        ctx = info.context
        ctx.require_viewer()
        try:
            preview = await preview_change(ctx, change)
        except BusinessError as error:
            raise _as_request_error(error) from error
        return BillingPreview.from_preview(preview)
