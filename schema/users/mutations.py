"""User mutations: inputs, payloads and the ``UsersMutation`` / ``UserPermissionsMutation`` root
fields (add, deactivate, reactivate, delete, reassign ownership, permissions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from resolvers.context import RequestContext
from resolvers.errors import BusinessError
from resolvers.ids import encode_global_id
from resolvers.rules import billing as rules
from resolvers.seats import changes as seat_changes
from resolvers.users import lifecycle as users_lifecycle
from resolvers.users import roles
from schema.billing import BillingPreview
from schema.common import Money, OwnedItemType, Role, UserError, money
from schema.extensions import mutation
from schema.users import OwnedItemCounts, SeatRef, User

# --------------------------------------------------------------------------- inputs


@strawberry.input
class AddUserInput:
    proration_date: datetime | None = strawberry.UNSET
    name: str
    email: str
    role: Role | None = Role.REGULAR
    allow_seat_purchase: bool | None = False
    idempotency_key: str | None = strawberry.UNSET
    dry_run: bool | None = False

    def to_data(self, *, dry_run: bool | None = None) -> users_lifecycle.AddUserData:
        return users_lifecycle.AddUserData(
            name=self.name,
            email=self.email,
            role=self.role if self.role is not None else Role.REGULAR,
            allow_seat_purchase=bool(self.allow_seat_purchase),
            idempotency_key=self.idempotency_key or None,
            proration_date=self.proration_date or None,
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.input
class DeactivateUserInput:
    user_id: strawberry.ID
    remove_seat: bool | None = False
    dry_run: bool | None = False

    def to_data(self, *, dry_run: bool | None = None) -> users_lifecycle.DeactivateUserData:
        return users_lifecycle.DeactivateUserData(
            user_id=str(self.user_id),
            remove_seat=bool(self.remove_seat),
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.input
class ReactivateUserInput:
    proration_date: datetime | None = strawberry.UNSET
    user_id: strawberry.ID
    allow_seat_purchase: bool | None = False
    idempotency_key: str | None = strawberry.UNSET
    dry_run: bool | None = False

    def to_data(self, *, dry_run: bool | None = None) -> users_lifecycle.ReactivateUserData:
        return users_lifecycle.ReactivateUserData(
            user_id=str(self.user_id),
            allow_seat_purchase=bool(self.allow_seat_purchase),
            idempotency_key=self.idempotency_key or None,
            proration_date=self.proration_date or None,
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.input
class DeleteUserInput:
    user_id: strawberry.ID
    transfer_ownership_to: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class ReassignOwnershipInput:
    from_user_id: strawberry.ID
    to_user_id: strawberry.ID
    item_types: list[OwnedItemType] | None = strawberry.UNSET


# --------------------------------------------------------------------------- payloads


@strawberry.type
class AddUserPayload:
    user: User | None = None
    # Seats import users for their holder: users reach the Seat type lazily (one-way imports).
    seat: Any = strawberry.field(default=None, graphql_type=SeatRef | None)
    billing_preview: BillingPreview | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(
    description="A reminder after a seat became FREE: the account pays for unused seats. "
    "Removing them all (removeUnusedSeats with count = unusedSeats) would save "
    "`savingAtNextBill` on the next bill; `removeUnusedSeatsPreview` is that mutation's preview."
)
class UnusedSeatsReminder:
    unused_seats: int = strawberry.field(
        description="FREE seats the account now pays for (billed every period until removed)."
    )
    saving_at_next_bill: Money = strawberry.field(
        description="How much lower the next bill would be after removing them all: "
        "nextInvoiceBefore - nextInvoiceAfter of the preview."
    )
    remove_unused_seats_preview: BillingPreview = strawberry.field(
        description="Exactly what removeUnusedSeats(count: unusedSeats, dryRun: true) answers now."
    )

    @classmethod
    def from_data(cls, reminder: seat_changes.UnusedSeatsReminder) -> UnusedSeatsReminder:
        preview = reminder.removal_preview
        saving = preview.next_invoice_before - preview.next_invoice_after
        return cls(
            unused_seats=reminder.unused_seats,
            saving_at_next_bill=money(saving, preview.currency),
            remove_unused_seats_preview=BillingPreview.from_preview(preview),
        )


@strawberry.type
class DeactivateUserPayload:
    user: User | None = None
    owned_items: OwnedItemCounts | None = None
    billing_preview: BillingPreview | None = None
    unused_seats: UnusedSeatsReminder | None = strawberry.field(
        default=None,
        description="Set after a deactivation (not a dry run) that left the user's seat FREE "
        "while the account pays for FREE seats: how many, and what removing them would save.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReactivateUserPayload:
    user: User | None = None
    # Seats import users for their holder: users reach the Seat type lazily (one-way imports).
    seat: Any = strawberry.field(default=None, graphql_type=SeatRef | None)
    billing_preview: BillingPreview | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteUserPayload:
    deleted_user_id: strawberry.ID | None = None
    user: User | None = None
    transferred: OwnedItemCounts | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReassignOwnershipPayload:
    moved: OwnedItemCounts | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


# --------------------------------------------------------------------------- helpers


async def _seat_purchase_preview(error: BusinessError, ctx: RequestContext) -> dict[str, Any]:
    """A refused purchase still shows what the seat would have cost."""
    if isinstance(error, seat_changes.SeatPurchaseRequired):
        return {"billing_preview": BillingPreview.from_preview(error.preview)}
    return {}


def _preview(preview: rules.BillingPreview) -> BillingPreview:
    return BillingPreview.from_preview(preview)


def _user_seat_parts(
    ctx: RequestContext, result: users_lifecycle.UserSeatResult
) -> tuple[User | None, Any, BillingPreview]:
    user = User.from_row(result.user, ctx) if result.user is not None else None
    seat_type = SeatRef.resolve_type()
    seat = seat_type.from_row(result.seat) if result.seat is not None else None
    return user, seat, _preview(result.preview)


# --------------------------------------------------------------------------- mutations


@strawberry.type
class UsersMutation:
    @mutation(_seat_purchase_preview)
    async def add_user(
        self,
        info: strawberry.Info[RequestContext],
        input: AddUserInput,
    ) -> AddUserPayload:
        ctx = info.context
        result = await users_lifecycle.add_user(ctx, input.to_data())
        user, seat, preview = _user_seat_parts(ctx, result)
        return AddUserPayload(user=user, seat=seat, billing_preview=preview)

    @mutation()
    async def deactivate_user(
        self,
        info: strawberry.Info[RequestContext],
        input: DeactivateUserInput,
    ) -> DeactivateUserPayload:
        ctx = info.context
        result = await users_lifecycle.deactivate_user(ctx, input.to_data())
        counts = await ctx.loaders.owned_counts.load(result.user.id)
        return DeactivateUserPayload(
            user=User.from_row(result.user, ctx),
            owned_items=OwnedItemCounts.from_counts(counts),
            billing_preview=_preview(result.preview),
            unused_seats=UnusedSeatsReminder.from_data(result.unused_seats)
            if result.unused_seats is not None
            else None,
        )

    @mutation(_seat_purchase_preview)
    async def reactivate_user(
        self,
        info: strawberry.Info[RequestContext],
        input: ReactivateUserInput,
    ) -> ReactivateUserPayload:
        ctx = info.context
        result = await users_lifecycle.reactivate_user(ctx, input.to_data())
        user, seat, preview = _user_seat_parts(ctx, result)
        return ReactivateUserPayload(user=user, seat=seat, billing_preview=preview)

    @mutation()
    async def delete_user(
        self,
        info: strawberry.Info[RequestContext],
        input: DeleteUserInput,
    ) -> DeleteUserPayload:
        ctx = info.context
        data = users_lifecycle.DeleteUserData(
            user_id=str(input.user_id),
            transfer_ownership_to=(
                str(input.transfer_ownership_to) if input.transfer_ownership_to else None
            ),
        )
        result = await users_lifecycle.delete_user(ctx, data)
        moved = result.transferred
        return DeleteUserPayload(
            deleted_user_id=strawberry.ID(encode_global_id("User", result.user.id)),
            user=User.from_row(result.user, ctx),
            transferred=OwnedItemCounts.from_counts(moved) if moved is not None else None,
        )

    @mutation()
    async def reassign_ownership(
        self,
        info: strawberry.Info[RequestContext],
        input: ReassignOwnershipInput,
    ) -> ReassignOwnershipPayload:
        data = users_lifecycle.ReassignData(
            from_user_id=str(input.from_user_id),
            to_user_id=str(input.to_user_id),
            item_types=(tuple(input.item_types) if isinstance(input.item_types, list) else None),
        )
        moved = await users_lifecycle.reassign_ownership(info.context, data)
        return ReassignOwnershipPayload(moved=OwnedItemCounts.from_counts(moved))


@strawberry.input
class SetUserPermissionsInput:
    user_id: strawberry.ID
    role: Role | None = None
    can_set_marketing_status: bool | None = None


@strawberry.type
class SetUserPermissionsPayload:
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UserPermissionsMutation:
    @mutation()
    async def set_user_permissions(
        self,
        info: strawberry.Info[RequestContext],
        input: SetUserPermissionsInput,
    ) -> SetUserPermissionsPayload:
        ctx = info.context
        data = roles.SetUserPermissionsData(
            user_id=str(input.user_id),
            role=input.role,
            can_set_marketing_status=input.can_set_marketing_status,
        )
        row = await roles.set_user_permissions(ctx, data)
        return SetUserPermissionsPayload(user=User.from_row(row, ctx))
