"""SCIM tokens and settings: what lets an identity provider act on an account's users.

A SCIM token is an account's bearer token for ``/scim/v2/`` only (``resolvers/scim/routes.py``).
It lives in its own table, so a session token is never a SCIM token and a SCIM token never
opens a session. Only its SHA-256 is stored; the token itself is shown once, on creation.
The identity provider acts as a ``Viewer`` with ``scim_token_id`` set: an admin of the account
without a user behind it, so the audit trail names the token as the actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import Role
from db.models import Account, ScimToken, Subscription
from resolvers import audit
from resolvers.auth.security import hash_token, new_token
from resolvers.context import RequestContext, Viewer
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.permissions import require_admin

#: Tells a SCIM token from a session token at a glance (in logs, in an IdP's settings).
TOKEN_PREFIX = "scim_"  # noqa: S105 - a prefix, not a secret
MAX_TOKENS_PER_ACCOUNT = 20


@dataclass(frozen=True)
class ScimActor:
    """The identity provider behind a request: its viewer and the account's SCIM settings."""

    viewer: Viewer
    can_buy_seats: bool
    schedules_seat_removal: bool


async def authenticate_scim(session: AsyncSession, token: str, now: datetime) -> ScimActor | None:
    """The live SCIM token behind ``token`` (one indexed lookup), its last use noted."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        await session.execute(
            select(ScimToken.id, Account, Subscription.period_end)
            .join(Account, Account.id == ScimToken.account_id)
            .outerjoin(Subscription, Subscription.account_id == Account.id)
            .where(ScimToken.token_hash == hash_token(token), ScimToken.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    token_id, account, period_end = row
    viewer = Viewer(
        user_id=0,
        account_id=account.id,
        session_id=0,
        role=Role.ADMIN,
        is_account_owner=False,
        can_set_marketing_status=False,
        period_ends_at=period_end,
        scim_token_id=token_id,
    )
    return ScimActor(
        viewer=viewer,
        can_buy_seats=account.scim_can_buy_seats,
        schedules_seat_removal=account.scim_schedules_seat_removal,
    )


async def note_use(session: AsyncSession, token_id: int, now: datetime) -> None:
    await session.execute(
        update(ScimToken).where(ScimToken.id == token_id).values(last_used_at=now)
    )


def _require_user_admin(ctx: RequestContext) -> Viewer:
    """Admins manage SCIM; an identity provider cannot mint or revoke its own tokens."""
    viewer = require_admin(ctx)
    if viewer.scim_token_id is not None:
        raise BusinessError.of(ErrorCode.FORBIDDEN, "A SCIM token cannot manage SCIM tokens.")
    return viewer


@dataclass(frozen=True)
class CreatedToken:
    row: ScimToken
    #: Shown once: only its hash is stored.
    token: str


async def create_token(ctx: RequestContext, name: str) -> CreatedToken:
    viewer = _require_user_admin(ctx)
    name = name.strip()
    if not name or len(name) > 200:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT, "Enter a name of 1 to 200 characters.", ["input", "name"]
        )
    token = TOKEN_PREFIX + new_token()
    async with ctx.db.write() as session:
        live = await session.scalars(
            select(ScimToken.id).where(
                ScimToken.account_id == viewer.account_id, ScimToken.revoked_at.is_(None)
            )
        )
        if len(live.all()) >= MAX_TOKENS_PER_ACCOUNT:
            raise BusinessError.of(
                ErrorCode.INVALID_STATE,
                f"An account has at most {MAX_TOKENS_PER_ACCOUNT} live SCIM tokens: "
                "revoke one first.",
            )
        row = ScimToken(
            account_id=viewer.account_id,
            name=name,
            token_hash=hash_token(token),
            created_at=ctx.now,
            created_by_user_id=viewer.user_id,
        )
        session.add(row)
        await session.flush()
        audit.record_for(
            session, ctx, "scim_token.create", encode_global_id("ScimToken", row.id), {}
        )
    return CreatedToken(row=row, token=token)


async def revoke_token(ctx: RequestContext, token_gid: str) -> ScimToken:
    viewer = _require_user_admin(ctx)
    pk = decode_typed_id(token_gid, "ScimToken")
    async with ctx.db.write() as session:
        row = (
            await session.scalars(
                select(ScimToken)
                .where(ScimToken.id == (pk or -1), ScimToken.account_id == viewer.account_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            raise BusinessError.of(ErrorCode.NOT_FOUND, "No such SCIM token.", ["input", "tokenId"])
        if row.revoked_at is None:
            row.revoked_at = ctx.now
            audit.record_for(session, ctx, "scim_token.revoke", token_gid, {})
    return row


async def list_tokens(ctx: RequestContext) -> Sequence[ScimToken]:
    viewer = require_admin(ctx)
    async with ctx.db.read() as session:
        rows = await session.scalars(
            select(ScimToken)
            .where(ScimToken.account_id == viewer.account_id)
            .order_by(ScimToken.id)
        )
        return rows.all()


@dataclass(frozen=True)
class ScimSettingsData:
    can_buy_seats: bool
    schedules_seat_removal: bool


async def read_settings(ctx: RequestContext) -> ScimSettingsData:
    viewer = require_admin(ctx)
    async with ctx.db.read() as session:
        account = await session.get(Account, viewer.account_id)
    assert account is not None  # the viewer's account exists while the viewer does
    return ScimSettingsData(account.scim_can_buy_seats, account.scim_schedules_seat_removal)


async def update_settings(ctx: RequestContext, data: ScimSettingsData) -> ScimSettingsData:
    viewer = _require_user_admin(ctx)
    async with ctx.db.write() as session:
        await session.execute(
            update(Account)
            .where(Account.id == viewer.account_id)
            .values(
                scim_can_buy_seats=data.can_buy_seats,
                scim_schedules_seat_removal=data.schedules_seat_removal,
            )
        )
        audit.record_for(
            session,
            ctx,
            "scim.settings",
            encode_global_id("Account", viewer.account_id),
            {
                "can_buy_seats": data.can_buy_seats,
                "schedules_seat_removal": data.schedules_seat_removal,
            },
        )
    return data
