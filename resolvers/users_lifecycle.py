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
from resolvers import audit, idempotency, invitations, user_tokens
from resolvers.auth import revoke_sessions
from resolvers.billing import (
    billing_details,
    lock_billing,
    proration_instant,
    write_ledger,
)
from resolvers.context import RequestContext, Viewer
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.loaders import OwnedCounts
from resolvers.owners import hand_portfolios_to_account_owner
from resolvers.rules import billing as rules
from resolvers.rules import users as user_rules
from resolvers.rules.users import Refusal, SeatSource, UserFacts
from resolvers.seat_changes import SeatPurchaseRequired, assign_seat, plan_user_seat, release_seat
from resolvers.seat_changes import require_admin as require_admin

ALL_ITEM_TYPES: tuple[OwnedItemType, ...] = tuple(OwnedItemType)


def refuse(refusal: Refusal | None, field: Sequence[str]) -> None:
    if refusal is not None:
        raise BusinessError.of(refusal.code, refusal.message, field)


def facts(user: User) -> UserFacts:
    return UserFacts(
        user_id=user.id, status=user.status, role=user.role, is_account_owner=user.is_account_owner
    )


async def lock_user(
    session: AsyncSession, account_id: int, global_id: str, field: Sequence[str]
) -> User:
    """A user of the account by global id, row-locked; anything else is NOT_FOUND."""
    pk = decode_typed_id(global_id, "User")
    user = None
    if pk is not None:
        user = (
            await session.scalars(
                select(User)
                .where(User.id == pk, User.account_id == account_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one_or_none()
    if user is None:
        raise BusinessError.of(ErrorCode.NOT_FOUND, f"No user with id {global_id!r}.", field)
    return user


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


def _remember_user_seat(
    session: AsyncSession,
    ctx: RequestContext,
    key: str | None,
    operation: str,
    print_: str,
    result: UserSeatResult,
) -> None:
    idempotency.remember(
        session,
        account_id=ctx.viewer.account_id,
        key=key,
        operation=operation,
        print_=print_,
        result={
            "user_id": result.user.id if result.user else None,
            "seat_id": result.seat.id if result.seat else None,
            "preview": idempotency.preview_to_json(result.preview),
        },
        now=ctx.now,
    )


async def _replayed(session: AsyncSession, stored: dict[str, Any]) -> UserSeatResult:
    user = await session.get(User, stored["user_id"]) if stored.get("user_id") else None
    return UserSeatResult(
        user=user,
        seat=await _load_seat(session, stored.get("seat_id")),
        preview=idempotency.preview_from_json(stored["preview"]),
    )


async def _take_seat(
    session: AsyncSession,
    ctx: RequestContext,
    user: User,
    source: SeatSource,
    preview: rules.BillingPreview,
) -> tuple[Seat, str | None]:
    viewer = ctx.viewer
    seat = await assign_seat(session, viewer.account_id, source, user.id, preview.proration_date)
    charge_id = write_ledger(
        session, preview, account_id=viewer.account_id, actor_user_id=viewer.user_id, now=ctx.now
    )
    return seat, charge_id


def _seat_details(
    seat: Seat, source: SeatSource, preview: rules.BillingPreview, charge_id: str | None
) -> dict[str, Any]:
    return {
        **billing_details(preview, charge_id),
        "seat": encode_global_id("Seat", seat.id),
        "seat_source": source.value,
    }


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

    def fingerprint(self) -> str:
        return idempotency.fingerprint(
            "addUser",
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


_EMAIL_TAKEN = BusinessError.of(
    ErrorCode.CONFLICT, "A user with this email already exists in the account.", ["input", "email"]
)


async def add_user(ctx: RequestContext, data: AddUserData) -> UserSeatResult:
    """A new user without a password (they cannot sign in until an invitation sets one)."""
    viewer = require_admin(ctx)
    name, email = _check_new_user(data)
    normalized = user_rules.normalize_email(email)
    key = idempotency.check_key(data.idempotency_key)
    print_ = data.fingerprint()
    try:
        async with ctx.db.write() as session:
            snapshot = await lock_billing(session, viewer.account_id, ctx.now)
            if not data.dry_run:
                stored = await idempotency.replay(
                    session, viewer.account_id, key, "addUser", print_
                )
                if stored is not None:
                    return await _replayed(session, stored)
            at = proration_instant(snapshot, data.proration_date, ctx.now)
            if await _email_taken(session, viewer.account_id, normalized):
                raise _EMAIL_TAKEN
            source, preview = plan_user_seat(snapshot, at)
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
            )
            session.add(user)
            await session.flush()
            seat, charge_id = await _take_seat(session, ctx, user, source, preview)
            details = {**_seat_details(seat, source, preview, charge_id), "role": data.role.value}
            audit.record_for(session, ctx, "user.add", encode_global_id("User", user.id), details)
            await invitations.invite(session, ctx, user, "add")
            result = UserSeatResult(user=user, seat=seat, preview=preview)
            _remember_user_seat(session, ctx, key, "addUser", print_, result)
    except IntegrityError as error:  # a concurrent add with the same email won the race
        raise _EMAIL_TAKEN from error
    ctx.memo.pop("subscription", None)
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
    async with ctx.db.write() as session:
        snapshot = await lock_billing(session, viewer.account_id, ctx.now)
        user = await lock_user(session, viewer.account_id, data.user_id, ["input", "userId"])
        admins = await _active_admins(session, viewer.account_id)
        refuse(
            user_rules.deactivation_refusal(facts(user), viewer.user_id, admins),
            ["input", "userId"],
        )
        removes = data.remove_seat and await _has_seat(session, user.id)
        change = rules.SeatChange(schedule_removal=1 if removes else 0)
        preview = rules.preview_seat_change(snapshot.state, change, ctx.now)
        if data.dry_run:
            return DeactivateResult(user=user, preview=preview)
        user.status = UserStatus.DEACTIVATED
        user.deactivated_at = ctx.now
        remove_at = snapshot.view.period.end if data.remove_seat else None
        seat = await release_seat(session, user.id, remove_at=remove_at)
        revoked = await revoke_sessions(session, [user.id], ctx.now)
        leaving = await _sign_in_leaves(session, viewer.account_id, user.id, ctx.now)
        charge_id = write_ledger(
            session,
            preview,
            account_id=viewer.account_id,
            actor_user_id=viewer.user_id,
            now=ctx.now,
        )
        details = {
            **billing_details(preview, charge_id),
            "seat": encode_global_id("Seat", seat.id) if seat else None,
            "seat_status": seat.status.value if seat else None,
            "sessions_revoked": revoked,
            **leaving,
        }
        audit.record_for(
            session, ctx, "user.deactivate", encode_global_id("User", user.id), details
        )
    ctx.memo.pop("subscription", None)
    return DeactivateResult(user=user, preview=preview)


# --------------------------------------------------------------------------- reactivate


@dataclass(frozen=True)
class ReactivateUserData:
    user_id: str
    allow_seat_purchase: bool = False
    idempotency_key: str | None = None
    proration_date: datetime | None = None
    dry_run: bool = False

    def fingerprint(self) -> str:
        return idempotency.fingerprint(
            "reactivateUser",
            {
                "userId": self.user_id,
                "allowSeatPurchase": self.allow_seat_purchase,
                "prorationDate": self.proration_date,
            },
        )


async def reactivate_user(ctx: RequestContext, data: ReactivateUserData) -> UserSeatResult:
    """FREE seat, else a cancelled pending removal, else a purchase (only when allowed)."""
    viewer = require_admin(ctx)
    key = idempotency.check_key(data.idempotency_key)
    print_ = data.fingerprint()
    async with ctx.db.write() as session:
        snapshot = await lock_billing(session, viewer.account_id, ctx.now)
        if not data.dry_run:
            stored = await idempotency.replay(
                session, viewer.account_id, key, "reactivateUser", print_
            )
            if stored is not None:
                return await _replayed(session, stored)
        at = proration_instant(snapshot, data.proration_date, ctx.now)
        user = await lock_user(session, viewer.account_id, data.user_id, ["input", "userId"])
        refuse(user_rules.reactivation_refusal(facts(user)), ["input", "userId"])
        source, preview = plan_user_seat(snapshot, at)
        if data.dry_run:
            return UserSeatResult(user=user, seat=None, preview=preview)
        if source is SeatSource.BUY and not data.allow_seat_purchase:
            raise SeatPurchaseRequired(preview)
        user.status = UserStatus.ACTIVE
        user.deactivated_at = None
        seat, charge_id = await _take_seat(session, ctx, user, source, preview)
        audit.record_for(
            session,
            ctx,
            "user.reactivate",
            encode_global_id("User", user.id),
            _seat_details(seat, source, preview, charge_id),
        )
        if invitations.needs_invitation(user):
            await invitations.invite(session, ctx, user, "reactivate")
        result = UserSeatResult(user=user, seat=seat, preview=preview)
        _remember_user_seat(session, ctx, key, "reactivateUser", print_, result)
    ctx.memo.pop("subscription", None)
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
    return DeleteResult(user=user, transferred=moved)
