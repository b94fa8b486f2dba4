"""User mutations: inputs, payloads and the ``UsersMutation`` / ``UserPermissionsMutation`` root
fields (add, deactivate, reactivate, delete, reassign ownership, permissions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

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


@strawberry.input(description="A new user; they get an invitation by email.")
class AddUserInput:
    proration_date: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Prorate for this instant (a preview's prorationDate) so the charge equals "
        "the preview; not in the future nor before the period (INVALID_INPUT). Default: now.",
    )
    name: str = strawberry.field(description="Full name.")
    email: str = strawberry.field(
        description="Unique among the account's non-deleted users (case-insensitive; CONFLICT)."
    )
    role: Role | None = strawberry.field(default=Role.REGULAR, description="Default REGULAR.")
    allow_seat_purchase: bool | None = strawberry.field(
        default=False,
        description="Agree to buy a seat (prorated charge now) when none is FREE or pending "
        "removal; else SEAT_PURCHASE_REQUIRED.",
    )
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Client-chosen key: a retry with the same key and input returns the first "
        "result without charging again; same key, other input: CONFLICT.",
    )
    dry_run: bool | None = strawberry.field(
        default=False, description="Only return the billingPreview; change nothing."
    )

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


@strawberry.input(description="Whom to deactivate, and what happens to their seat.")
class DeactivateUserInput:
    user_id: strawberry.ID = strawberry.field(description="An ACTIVE user, not yourself.")
    remove_seat: bool | None = strawberry.field(
        default=False,
        description="Schedule the freed seat for removal at the next bill date (PENDING_REMOVAL); "
        "default: keep it FREE for a replacement at no charge.",
    )
    dry_run: bool | None = strawberry.field(
        default=False, description="Only return the billingPreview; change nothing."
    )

    def to_data(self, *, dry_run: bool | None = None) -> users_lifecycle.DeactivateUserData:
        return users_lifecycle.DeactivateUserData(
            user_id=str(self.user_id),
            remove_seat=bool(self.remove_seat),
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.input(description="Whom to reactivate, and billing options.")
class ReactivateUserInput:
    proration_date: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Prorate for this instant (a preview's prorationDate) so the charge equals "
        "the preview; not in the future nor before the period (INVALID_INPUT). Default: now.",
    )
    user_id: strawberry.ID = strawberry.field(description="A DEACTIVATED user.")
    allow_seat_purchase: bool | None = strawberry.field(
        default=False,
        description="Agree to buy a seat (prorated charge now) when none is FREE or pending "
        "removal; else SEAT_PURCHASE_REQUIRED.",
    )
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Client-chosen key: a retry with the same key and input returns the first "
        "result without charging again; same key, other input: CONFLICT.",
    )
    dry_run: bool | None = strawberry.field(
        default=False, description="Only return the billingPreview; change nothing."
    )

    def to_data(self, *, dry_run: bool | None = None) -> users_lifecycle.ReactivateUserData:
        return users_lifecycle.ReactivateUserData(
            user_id=str(self.user_id),
            allow_seat_purchase=bool(self.allow_seat_purchase),
            idempotency_key=self.idempotency_key or None,
            proration_date=self.proration_date or None,
            dry_run=bool(self.dry_run if dry_run is None else dry_run),
        )


@strawberry.input(description="Whom to delete, and who inherits their items.")
class DeleteUserInput:
    user_id: strawberry.ID = strawberry.field(description="A DEACTIVATED user.")
    transfer_ownership_to: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="An active user who gets every item in the same transaction; default: items "
        "stay owned by the deleted user.",
    )


@strawberry.input(description="Bulk owner change: what moves from whom to whom.")
class ReassignOwnershipInput:
    from_user_id: strawberry.ID = strawberry.field(description="Current owner (any status).")
    to_user_id: strawberry.ID = strawberry.field(
        description="New owner: another ACTIVE user of the account."
    )
    item_types: list[OwnedItemType] | None = strawberry.field(
        default=strawberry.UNSET, description="Kinds to move (not empty); default: all kinds."
    )


# --------------------------------------------------------------------------- payloads


@strawberry.type(description="Result of addUser.")
class AddUserPayload:
    user: User | None = strawberry.field(
        default=None, description="The new user (null when refused or for a dry run)."
    )
    # Seats import users for their holder: users reach the Seat type lazily (one-way imports).
    seat: Any = strawberry.field(
        default=None,
        graphql_type=SeatRef | None,
        description="The seat the user took (null for a dry run).",
    )
    billing_preview: BillingPreview | None = strawberry.field(
        default=None,
        description="What the seat cost; also when refused with SEAT_PURCHASE_REQUIRED.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


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


@strawberry.type(description="Result of deactivateUser.")
class DeactivateUserPayload:
    user: User | None = strawberry.field(
        default=None, description="The deactivated user; null when refused."
    )
    owned_items: OwnedItemCounts | None = strawberry.field(
        default=None, description="What they still own, to reassign with reassignOwnership."
    )
    billing_preview: BillingPreview | None = strawberry.field(
        default=None, description="The billing effect (a scheduled removal costs nothing now)."
    )
    unused_seats: UnusedSeatsReminder | None = strawberry.field(
        default=None,
        description="Set after a deactivation (not a dry run) that left the user's seat FREE "
        "while the account pays for FREE seats: how many, and what removing them would save.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of reactivateUser.")
class ReactivateUserPayload:
    user: User | None = strawberry.field(
        default=None, description="The user (still DEACTIVATED for a dry run); null when refused."
    )
    # Seats import users for their holder: users reach the Seat type lazily (one-way imports).
    seat: Any = strawberry.field(
        default=None,
        graphql_type=SeatRef | None,
        description="The seat taken (null for a dry run).",
    )
    billing_preview: BillingPreview | None = strawberry.field(
        default=None,
        description="What the seat cost; also when refused with SEAT_PURCHASE_REQUIRED.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of deleteUser.")
class DeleteUserPayload:
    deleted_user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Id of the deleted user; null when refused."
    )
    user: User | None = strawberry.field(
        default=None, description="The user as now shown: `(deleted user...)`, data erased."
    )
    transferred: OwnedItemCounts | None = strawberry.field(
        default=None, description="Items moved to transferOwnershipTo; null when none was named."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type(description="Result of reassignOwnership.")
class ReassignOwnershipPayload:
    moved: OwnedItemCounts | None = strawberry.field(
        default=None, description="Items moved, by kind; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


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
    @mutation(
        _seat_purchase_preview,
        description="Admins: add a user and mail an invitation. Takes a FREE seat, else a pending "
        "removal, else buys one (allowSeatPurchase). Errors: FORBIDDEN, INVALID_INPUT, CONFLICT, "
        "SEAT_PURCHASE_REQUIRED.",
    )
    async def add_user(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            AddUserInput, strawberry.argument(description="The new user and billing options.")
        ],
    ) -> AddUserPayload:
        ctx = info.context
        result = await users_lifecycle.add_user(ctx, input.to_data())
        user, seat, preview = _user_seat_parts(ctx, result)
        return AddUserPayload(user=user, seat=seat, billing_preview=preview)

    @mutation(
        description="Admins: sign a user out for good; their items stay theirs, their seat stays "
        "FREE (or PENDING_REMOVAL with removeSeat). Errors: FORBIDDEN, NOT_FOUND, INVALID_INPUT "
        "(yourself), INVALID_STATE, ACCOUNT_OWNER, LAST_ADMIN."
    )
    async def deactivate_user(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            DeactivateUserInput,
            strawberry.argument(description="The user and what happens to their seat."),
        ],
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

    @mutation(
        _seat_purchase_preview,
        description="Admins: bring a DEACTIVATED user back; takes a seat like addUser. Errors: "
        "FORBIDDEN, NOT_FOUND, INVALID_STATE, INVALID_INPUT, CONFLICT, SEAT_PURCHASE_REQUIRED.",
    )
    async def reactivate_user(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            ReactivateUserInput, strawberry.argument(description="The user and billing options.")
        ],
    ) -> ReactivateUserPayload:
        ctx = info.context
        result = await users_lifecycle.reactivate_user(ctx, input.to_data())
        user, seat, preview = _user_seat_parts(ctx, result)
        return ReactivateUserPayload(user=user, seat=seat, billing_preview=preview)

    @mutation(
        description="Admins: erase a DEACTIVATED user's name, email and photo for good; items "
        "stay, or move to transferOwnershipTo. Errors: FORBIDDEN, NOT_FOUND, INVALID_STATE."
    )
    async def delete_user(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            DeleteUserInput,
            strawberry.argument(description="The user and who inherits their items."),
        ],
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

    @mutation(
        description="Admins: move items of the chosen kinds from one user to another active "
        "user, set-based. Errors: FORBIDDEN, NOT_FOUND, INVALID_INPUT, INVALID_STATE."
    )
    async def reassign_ownership(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            ReassignOwnershipInput,
            strawberry.argument(description="From whom, to whom, and which kinds of items."),
        ],
    ) -> ReassignOwnershipPayload:
        data = users_lifecycle.ReassignData(
            from_user_id=str(input.from_user_id),
            to_user_id=str(input.to_user_id),
            item_types=(tuple(input.item_types) if isinstance(input.item_types, list) else None),
        )
        moved = await users_lifecycle.reassign_ownership(info.context, data)
        return ReassignOwnershipPayload(moved=OwnedItemCounts.from_counts(moved))


@strawberry.input(description="Whose permissions change; give role, canSetMarketingStatus or both.")
class SetUserPermissionsInput:
    user_id: strawberry.ID = strawberry.field(description="A non-deleted user of the account.")
    role: Role | None = strawberry.field(
        default=None, description="New role; omit to keep it. The owner stays ADMIN."
    )
    can_set_marketing_status: bool | None = strawberry.field(
        default=None, description="Grant or revoke making contacts MARKETING; omit to keep it."
    )


@strawberry.type(description="Result of setUserPermissions.")
class SetUserPermissionsPayload:
    user: User | None = strawberry.field(
        default=None, description="The user with the new permissions; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type
class UserPermissionsMutation:
    @mutation(
        description="Admins: change a user's role and marketing permission. Errors: FORBIDDEN, "
        "NOT_FOUND, INVALID_INPUT, INVALID_STATE (deleted), ACCOUNT_OWNER, LAST_ADMIN."
    )
    async def set_user_permissions(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            SetUserPermissionsInput,
            strawberry.argument(description="The user and the permissions to set."),
        ],
    ) -> SetUserPermissionsPayload:
        ctx = info.context
        data = roles.SetUserPermissionsData(
            user_id=str(input.user_id),
            role=input.role,
            can_set_marketing_status=input.can_set_marketing_status,
        )
        row = await roles.set_user_permissions(ctx, data)
        return SetUserPermissionsPayload(user=User.from_row(row, ctx))
