"""Reading the viewer's account and its owner."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Account, User
from resolvers.context import RequestContext


async def load_account(ctx: RequestContext) -> Account:
    cached = ctx.memo.get("account")
    if isinstance(cached, Account):
        return cached
    async with ctx.db.read() as session:
        account = (
            await session.scalars(select(Account).where(Account.id == ctx.viewer.account_id))
        ).one()
    ctx.memo["account"] = account
    return account


async def load_account_owner_id(ctx: RequestContext) -> int:
    async with ctx.db.read() as session:
        owner_id = await session.scalar(
            select(User.id).where(
                User.account_id == ctx.viewer.account_id, User.is_account_owner.is_(True)
            )
        )
    if owner_id is None:  # the partial unique index allows none only mid-transfer
        raise RuntimeError(f"account {ctx.viewer.account_id} has no owner")
    return int(owner_id)
