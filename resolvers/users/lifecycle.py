"""User lifecycle mutations: add, deactivate, reactivate, delete, reassign ownership.

Each one reads like the rule: check permission -> load with a lock -> decide (pure rules) ->
write -> audit -> result. Audit details carry ids and counts only, never a name or an email, so
deleting a user really erases them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import OwnedItemType, Role, SeatStatus, UserStatus
from db.models import OWNED_ITEM_MODELS, OutboxMessage, Seat, User
from resolvers import audit
from resolvers.accounts.owners import hand_portfolios_to_account_owner
from resolvers.auth import invitations, revoke_sessions
from resolvers.auth import tokens as user_tokens
from resolvers.billing import BillingChange, billing_transaction, idempotency
from resolvers.billing.idempotency import IdempotentCall
from resolvers.context import RequestContext, Viewer
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.loaders import OwnedCounts
from resolvers.locking import lock_user, lock_users_in_id_order
from resolvers.permissions import require_admin
from resolvers.rules import billing as rules
from resolvers.rules import users as user_rules
from resolvers.rules.users import Refusal, SeatSource, UserFacts
from resolvers.seats.changes import (
    SeatPurchaseRequired,
    UnusedSeatsReminder,
    assign_seat,
    plan_user_seat,
    release_seat,
    unused_seats_reminder,
)

ALL_ITEM_TYPES: tuple[OwnedItemType, ...] = tuple(OwnedItemType)


def refuse(refusal: Refusal | None, field: Sequence[str]) -> None:
    if refusal is not None:
        raise BusinessError.of(refusal.code, refusal.message, field)


def facts(user: User) -> UserFacts:
    return UserFacts(
        user_id=user.id, status=user.status, role=user.role, is_account_owner=user.is_account_owner
    )


async def _load_seat(session: AsyncSession, seat_id: int | None) -> Seat | None:
    if seat_id is None:
        return None
    return await session.get(Seat, seat_id)


@dataclass(frozen=True)
class UserSeatResult:
    """A user who got (or would get) a seat; rows are None in a dry run of ``addUser``."""

    user: User | None
    seat: Seat | None
    preview: rules.BillingPreview


async def _replayed(session: AsyncSession, stored: dict[str, Any]) -> UserSeatResult:
    user = await session.get(User, stored["user_id"]) if stored.get("user_id") else None
    return UserSeatResult(
        user=user,
        seat=await _load_seat(session, stored.get("seat_id")),
        preview=idempotency.preview_from_json(stored["preview"]),
    )


async def _give_seat(
    change: BillingChange,
    action: str,
    user: User,
    source: SeatSource,
    preview: rules.BillingPreview,
    details: dict[str, Any],
) -> UserSeatResult:
    """Seat the user as planned; then the ledger, the audit event and the retry record."""
    seat = await assign_seat(
        change.session, change.account_id, source, user.id, preview.proration_date
    )
    change.record(
        action,
        encode_global_id("User", user.id),
        preview,
        {"seat": encode_global_id("Seat", seat.id), "seat_source": source.value, **details},
        result={"user_id": user.id, "seat_id": seat.id},
    )
    return UserSeatResult(user=user, seat=seat, preview=preview)


# --------------------------------------------------------------------------- add


@dataclass(frozen=True)
class AddUserData:
    name: str
    email: str
    role: Role = Role.REGULAR
    allow_seat_purchase: bool = False
    idempotency_key: str | None = None
    proration_date: datetime | None = None
    dry_run: bool = False
    #: The identity provider's id of the user (SCIM ``externalId``).
    external_id: str | None = None

    def call(self) -> IdempotentCall:
        return IdempotentCall.of(
            "addUser",
            self.idempotency_key,
            {
                "name": self.name,
                "email": user_rules.normalize_email(self.email),
                "role": self.role.value,
                "allowSeatPurchase": self.allow_seat_purchase,
                "prorationDate": self.proration_date,
            },
        )


def _check_new_user(data: AddUserData) -> tuple[str, str]:
    name = data.name.strip()
    if not name or len(name) > 200:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT, "Enter a name of 1 to 200 characters.", ["input", "name"]
        )
    refuse(user_rules.email_refusal(data.email), ["input", "email"])
    return name, data.email.strip()


async def _email_taken(session: AsyncSession, account_id: int, normalized: str) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.account_id == account_id, User.email_normalized == normalized)
    )
    return bool(found)


def _email_taken_error() -> BusinessError:
    return BusinessError.of(
        ErrorCode.CONFLICT,
        "A user with this email already exists in the account.",
        ["input", "email"],
    )


async def add_user(ctx: RequestContext, data: AddUserData) -> UserSeatResult:
    """A new user without a password (they cannot sign in until an invitation sets one)."""
    viewer = require_admin(ctx)
    name, email = _check_new_user(data)
    normalized = user_rules.normalize_email(email)
    call = data.call()
    try:
        async with billing_transaction(ctx) as session:
            change = await BillingChange.begin(session, ctx, call, dry_run=data.dry_run)
            stored = await change.replayed()
            if stored is not None:
                return await _replayed(session, stored)
            at = change.prorate_at(data.proration_date)
            if await _email_taken(session, viewer.account_id, normalized):
                raise _email_taken_error()
            source, preview = plan_user_seat(change.snapshot, at)
            if data.dry_run:
                return UserSeatResult(user=None, seat=None, preview=preview)
            if source is SeatSource.BUY and not data.allow_seat_purchase:
                raise SeatPurchaseRequired(preview)
            user = User(
                account_id=viewer.account_id,
                name=name,
                email=email,
                email_normalized=normalized,
                password_hash=None,
                status=UserStatus.ACTIVE,
                role=data.role,
                is_account_owner=False,
                can_set_marketing_status=True,
                created_at=ctx.now,
                external_id=data.external_id,
            )
            session.add(user)
            await session.flush()
            result = await _give_seat(
                change, "user.add", user, source, preview, {"role": data.role.value}
            )
            await invitations.invite(session, ctx, user, "add")
    except IntegrityError as error:  # a concurrent add with the same email won the race
        raise _email_taken_error() from error
    return result


# --------------------------------------------------------------------------- deactivate


@dataclass(frozen=True)
class DeactivateUserData:
    user_id: str
    remove_seat: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class DeactivateResult:
    user: User
    preview: rules.BillingPreview
    #: Set when the deactivation left the seat FREE (Pipedrive: "remove unused seats").
    unused_seats: UnusedSeatsReminder | None = None


async def _active_admins(session: AsyncSession, account_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.account_id == account_id,
            User.status == UserStatus.ACTIVE,
            User.role == Role.ADMIN,
        )
    )
    return int(count or 0)


async def _has_seat(session: AsyncSession, user_id: int) -> bool:
    return bool(await session.scalar(select(func.count()).where(Seat.user_id == user_id)))


async def _sign_in_leaves(
    session: AsyncSession, account_id: int, user_id: int, now: datetime
) -> dict[str, int]:
    """A user who can no longer sign in: mailed links die, portfolios go to the account owner."""
    tokens = await user_tokens.revoke_pending(session, [user_id], now)
    portfolios = await hand_portfolios_to_account_owner(session, account_id, user_id)
    return {"tokens_revoked": tokens, "portfolios_moved": portfolios}


async def deactivate_user(ctx: RequestContext, data: DeactivateUserData) -> DeactivateResult:
    """Sessions revoked at once; items stay theirs; the seat becomes FREE or pending removal."""
    viewer = require_admin(ctx)
    async with billing_transaction(ctx) as session:
        change = await BillingChange.begin(session, ctx, dry_run=data.dry_run)
        snapshot = change.snapshot
        user = await lock_user(session, viewer.account_id, data.user_id, ["input", "userId"])
        admins = await _active_admins(session, viewer.account_id)
        refuse(
            user_rules.deactivation_refusal(facts(user), viewer.user_id, admins),
            ["input", "userId"],
        )
        removes = data.remove_seat and await _has_seat(session, user.id)
        seat_change = rules.SeatChange(schedule_removal=1 if removes else 0)
        preview = rules.preview_seat_change(snapshot.state, seat_change, ctx.now)
        if data.dry_run:
            return DeactivateResult(user=user, preview=preview)
        user.status = UserStatus.DEACTIVATED
        user.deactivated_at = ctx.now
        remove_at = snapshot.view.period.end if data.remove_seat else None
        seat = await release_seat(session, user.id, remove_at=remove_at)
        revoked = await revoke_sessions(session, [user.id], ctx.now)
        leaving = await _sign_in_leaves(session, viewer.account_id, user.id, ctx.now)
        details = {
            "seat": encode_global_id("Seat", seat.id) if seat else None,
            "seat_status": seat.status.value if seat else None,
            "sessions_revoked": revoked,
            **leaving,
        }
        change.record("user.deactivate", encode_global_id("User", user.id), preview, details)
        reminder = None
        if seat is not None and seat.status is SeatStatus.FREE:
            reminder = await unused_seats_reminder(session, snapshot, ctx.now)
    ctx.loaders.show_written(user)
    return DeactivateResult(user=user, preview=preview, unused_seats=reminder)


# --------------------------------------------------------------------------- reactivate


@dataclass(frozen=True)
class ReactivateUserData:
    user_id: str
    allow_seat_purchase: bool = False
    idempotency_key: str | None = None
    proration_date: datetime | None = None
    dry_run: bool = False

    def call(self) -> IdempotentCall:
        return IdempotentCall.of(
            "reactivateUser",
            self.idempotency_key,
            {
                "userId": self.user_id,
                "allowSeatPurchase": self.allow_seat_purchase,
                "prorationDate": self.proration_date,
            },
        )


async def reactivate_user(ctx: RequestContext, data: ReactivateUserData) -> UserSeatResult:
    """FREE seat, else a cancelled pending removal, else a purchase (only when allowed)."""
    viewer = require_admin(ctx)
    call = data.call()
    async with billing_transaction(ctx) as session:
        change = await BillingChange.begin(session, ctx, call, dry_run=data.dry_run)
        stored = await change.replayed()
        if stored is not None:
            return await _replayed(session, stored)
        at = change.prorate_at(data.proration_date)
        user = await lock_user(session, viewer.account_id, data.user_id, ["input", "userId"])
        refuse(user_rules.reactivation_refusal(facts(user)), ["input", "userId"])
        source, preview = plan_user_seat(change.snapshot, at)
        if data.dry_run:
            return UserSeatResult(user=user, seat=None, preview=preview)
        if source is SeatSource.BUY and not data.allow_seat_purchase:
            raise SeatPurchaseRequired(preview)
        user.status = UserStatus.ACTIVE
        user.deactivated_at = None
        result = await _give_seat(change, "user.reactivate", user, source, preview, {})
        if invitations.needs_invitation(user):
            await invitations.invite(session, ctx, user, "reactivate")
    ctx.loaders.show_written(user)
    return result


# --------------------------------------------------------------------------- ownership


async def move_items(
    session: AsyncSession,
    account_id: int,
    from_user_id: int,
    to_user_id: int,
    item_types: Sequence[OwnedItemType],
) -> OwnedCounts:
    """One set-based UPDATE per item type: nothing is loaded into Python."""
    moved: dict[OwnedItemType, int] = {}
    for item_type in dict.fromkeys(item_types):
        model = OWNED_ITEM_MODELS[item_type.value]
        result = await session.execute(
            update(model)
            .where(model.account_id == account_id, model.owner_id == from_user_id)
            .values(owner_id=to_user_id)
            .execution_options(synchronize_session=False)
        )
        moved[item_type] = int(result.rowcount)  # type: ignore[attr-defined]
    return OwnedCounts(
        deals=moved.get(OwnedItemType.DEAL, 0),
        contacts=moved.get(OwnedItemType.CONTACT, 0),
        leads=moved.get(OwnedItemType.LEAD, 0),
        organizations=moved.get(OwnedItemType.ORGANIZATION, 0),
        activities=moved.get(OwnedItemType.ACTIVITY, 0),
    )


def _moved_details(moved: OwnedCounts) -> dict[str, int]:
    return {
        "deals": moved.deals,
        "contacts": moved.contacts,
        "leads": moved.leads,
        "organizations": moved.organizations,
        "activities": moved.activities,
    }


async def lock_new_owner(
    session: AsyncSession, account_id: int, global_id: str, field: Sequence[str]
) -> User:
    user = await lock_user(session, account_id, global_id, field)
    refuse(user_rules.owner_target_refusal(user.status), field)
    return user


@dataclass(frozen=True)
class ReassignData:
    from_user_id: str
    to_user_id: str
    item_types: tuple[OwnedItemType, ...] | None = None


async def reassign_ownership(ctx: RequestContext, data: ReassignData) -> OwnedCounts:
    viewer = require_admin(ctx)
    if data.item_types is not None and not data.item_types:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            "Choose at least one item type, or leave itemTypes out to move everything.",
            ["input", "itemTypes"],
        )
    async with ctx.db.write() as session:
        await lock_users_in_id_order(
            session,
            viewer.account_id,
            [decode_typed_id(data.from_user_id, "User"), decode_typed_id(data.to_user_id, "User")],
        )
        source = await lock_user(
            session, viewer.account_id, data.from_user_id, ["input", "fromUserId"]
        )
        target = await lock_new_owner(
            session, viewer.account_id, data.to_user_id, ["input", "toUserId"]
        )
        if source.id == target.id:
            raise BusinessError.of(
                ErrorCode.INVALID_INPUT,
                "Choose a different user to move the items to.",
                ["input", "toUserId"],
            )
        types = data.item_types or ALL_ITEM_TYPES
        moved = await move_items(session, viewer.account_id, source.id, target.id, types)
        details = {
            "to_user": encode_global_id("User", target.id),
            "item_types": [t.value for t in types],
            **_moved_details(moved),
        }
        audit.record_for(
            session, ctx, "user.reassign_ownership", encode_global_id("User", source.id), details
        )
    return moved


# --------------------------------------------------------------------------- delete


@dataclass(frozen=True)
class DeleteUserData:
    user_id: str
    transfer_ownership_to: str | None = None


@dataclass(frozen=True)
class DeleteResult:
    user: User
    transferred: OwnedCounts | None


def erase(user: User, now: datetime) -> None:
    """Personal data is erased for good: the row keeps only its id, role and timestamps."""
    user.name = None
    user.email = None
    user.email_normalized = None
    user.password_hash = None
    user.photo_url = None
    user.status = UserStatus.DELETED
    user.deleted_at = now


async def delete_user(ctx: RequestContext, data: DeleteUserData) -> DeleteResult:
    viewer: Viewer = require_admin(ctx)
    async with ctx.db.write() as session:
        heir_pk = decode_typed_id(data.transfer_ownership_to or "", "User")
        await lock_users_in_id_order(
            session, viewer.account_id, [decode_typed_id(data.user_id, "User"), heir_pk]
        )
        user = await lock_user(session, viewer.account_id, data.user_id, ["input", "userId"])
        refuse(user_rules.deletion_refusal(facts(user)), ["input", "userId"])
        heir = None
        if data.transfer_ownership_to is not None:
            heir = await lock_new_owner(
                session,
                viewer.account_id,
                data.transfer_ownership_to,
                ["input", "transferOwnershipTo"],
            )
        erase(user, ctx.now)
        await session.execute(  # a deactivated user holds no seat; this keeps it so
            update(Seat)
            .where(Seat.user_id == user.id)
            .values(user_id=None, status=SeatStatus.FREE)
            .execution_options(synchronize_session=False)
        )
        await revoke_sessions(session, [user.id], ctx.now)
        leaving = await _sign_in_leaves(session, viewer.account_id, user.id, ctx.now)
        await session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
        moved = None
        if heir is not None:
            moved = await move_items(session, viewer.account_id, user.id, heir.id, ALL_ITEM_TYPES)
        details: dict[str, Any] = {
            "transferred_to": encode_global_id("User", heir.id) if heir else None,
            **leaving,
        }
        if moved is not None:
            details.update(_moved_details(moved))
        audit.record_for(session, ctx, "user.delete", encode_global_id("User", user.id), details)
    ctx.loaders.show_written(user)
    return DeleteResult(user=user, transferred=moved)
