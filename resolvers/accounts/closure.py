"""Transferring the account ownership and closing a whole account (SPEC "Closing a whole account").

Rules written down where the spec is silent:
- Closing deletes every row of the account, table by table in dependency order with set-based
  ``DELETE`` statements (``ACCOUNT_TABLES_IN_DELETE_ORDER``; a test checks it covers every table
  with an ``account_id``). Sessions of the account's users are deleted, not just revoked.
- A portfolio the account owns (``portfolios.account_id``, or owned by one of its users) is deleted
  with it, with its metric, billing rows, export records and links: the other linked accounts are
  disconnected and otherwise untouched. Metric points about the closed account in another
  account's portfolio are deleted too, and that portfolio's metric counts as changed (its metric
  export must be taken again before it can be closed without acknowledging data loss).
- The account's audit trail is part of its data and is deleted; what remains is the closure
  record (kind ``ACCOUNT``, account id, who, reason, when). So closing writes no audit event.
- The full export counts whenever it was taken (accounts have no "data changed" time).
- ``dryRun`` (owner only, like the close itself) answers the consequences and writes nothing:
  neither the typed name nor the export is checked (the owner reads the consequences *before*
  confirming). Its counts are taken with the very conditions ``delete_account`` deletes by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ClosureKind
from db.models import (
    Account,
    Activity,
    AuditEvent,
    AuthSession,
    Base,
    ClosureRecord,
    Contact,
    ContactPlanSettings,
    ContactSourceDefault,
    ContactTier,
    ContactUsageDay,
    Deal,
    IdempotencyRecord,
    Lead,
    LedgerEntry,
    Notification,
    Organization,
    OutboxMessage,
    Portfolio,
    PortfolioAccount,
    PortfolioBillingRow,
    PortfolioExport,
    PortfolioLinkRequest,
    PortfolioMetricPoint,
    ScimToken,
    Seat,
    Subscription,
    User,
    UserToken,
)
from resolvers import audit
from resolvers.accounts.owners import refuse_owner_who_cannot_sign_in
from resolvers.billing import seat_counts
from resolvers.billing.subscriptions import read_subscription
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.locking import lock_user, lock_users_in_id_order
from resolvers.permissions import lock_account_owner
from resolvers.rules.closures import (
    MAX_ACCOUNT_REASON_LENGTH,
    clean_optional_text,
    confirmation_matches,
    text_too_long,
    transfer_target_problem,
)

#: Account tables, children before parents (foreign keys are enforced on SQLite too).
ACCOUNT_TABLES_IN_DELETE_ORDER: tuple[type[Base], ...] = (
    PortfolioMetricPoint,  # points about this account in other portfolios
    PortfolioAccount,  # this account's link to a portfolio
    PortfolioLinkRequest,  # requests to link this account to a portfolio
    AuthSession,
    UserToken,
    OutboxMessage,
    ScimToken,
    Seat,
    Contact,
    Deal,
    Lead,
    Organization,
    Activity,
    AuditEvent,
    Notification,
    IdempotencyRecord,
    LedgerEntry,
    ContactSourceDefault,
    ContactPlanSettings,
    ContactUsageDay,
    ContactTier,
    Subscription,
    Portfolio,
    User,
)

#: Tables hanging off a portfolio, children first.
PORTFOLIO_TABLES_IN_DELETE_ORDER: tuple[
    type[
        PortfolioExport
        | PortfolioBillingRow
        | PortfolioMetricPoint
        | PortfolioAccount
        | PortfolioLinkRequest
    ],
    ...,
] = (
    PortfolioExport,
    PortfolioBillingRow,
    PortfolioMetricPoint,
    PortfolioAccount,
    PortfolioLinkRequest,
)


# --- transfer ownership -----------------------------------------------------------------------


async def transfer_account_ownership(ctx: RequestContext, to_user_global_id: str) -> Account:
    viewer = ctx.viewer
    async with ctx.db.write() as session:
        target_pk = decode_typed_id(to_user_global_id, "User")
        await lock_users_in_id_order(session, viewer.account_id, [viewer.user_id, target_pk])
        owner = await lock_account_owner(
            session, viewer, "Only the account owner can transfer ownership."
        )
        target = await lock_user(
            session, viewer.account_id, to_user_global_id, ["input", "toUserId"]
        )
        problem = transfer_target_problem(
            is_current_owner=target.id == owner.id, status=target.status, role=target.role
        )
        if problem is not None:
            raise BusinessError.of(ErrorCode.INVALID_STATE, problem, ["input", "toUserId"])
        refuse_owner_who_cannot_sign_in(target)
        # The partial unique index allows one owner per account: clear first, then set.
        owner.is_account_owner = False
        await session.flush()
        target.is_account_owner = True
        await session.flush()
        account_gid = encode_global_id("Account", viewer.account_id)
        audit.record_for(
            session,
            ctx,
            "account.transfer_ownership",
            account_gid,
            {"from": encode_global_id("User", owner.id), "to": encode_global_id("User", target.id)},
        )
        account = (
            await session.scalars(select(Account).where(Account.id == viewer.account_id))
        ).one()
    ctx.memo.pop("account", None)
    # Later fields read the rows as written, not a copy loaded before the swap.
    ctx.loaders.show_written(owner, target)
    return account


# --- close the account ------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseAccountData:
    confirm_name: str
    reason: str | None
    acknowledge_data_loss: bool


@dataclass(frozen=True)
class ClosureConsequences:
    """What closing the account would delete, end and stop (``closeAccount(dryRun: true)``)."""

    users: int
    contacts: int
    deals: int
    leads: int
    organizations: int
    activities: int
    seats: int
    ledger_entries: int
    audit_events: int
    #: Sessions still signed in (neither revoked nor expired) that closing ends.
    sessions_ended: int
    #: Charges that stop: the seats billed per period and the contact tier's price per period.
    seat_charge_per_period: Decimal
    tier_charge_per_period: Decimal
    currency: str
    full_export_at: datetime | None


#: The tables the consequences count, by field name of ``ClosureConsequences``.
_COUNTED_TABLES: dict[str, type[Base]] = {
    "users": User,
    "contacts": Contact,
    "deals": Deal,
    "leads": Lead,
    "organizations": Organization,
    "activities": Activity,
    "seats": Seat,
    "ledger_entries": LedgerEntry,
    "audit_events": AuditEvent,
}


async def close_account_consequences(ctx: RequestContext) -> ClosureConsequences:
    """The dry run of ``closeAccount``: owner only, counted in one transaction, nothing written."""
    viewer = ctx.viewer
    async with ctx.db.write() as session:
        await lock_account_owner(session, viewer, "Only the account owner can close the account.")
        account = (
            await session.scalars(select(Account).where(Account.id == viewer.account_id))
        ).one()
        counts = {
            name: await _count(session, model, _account_rows(model, account.id))
            for name, model in _COUNTED_TABLES.items()
        }
        sessions_ended = await _count(
            session,
            AuthSession,
            _account_rows(AuthSession, account.id),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > ctx.now,
        )
        view = await read_subscription(session, account.id)
        seats = await seat_counts(session, account.id)
    return ClosureConsequences(
        **counts,
        sessions_ended=sessions_ended,
        seat_charge_per_period=view.row.seat_price * seats.billable,
        tier_charge_per_period=view.tier.price,
        currency=view.row.currency,
        full_export_at=account.full_export_at,
    )


def _account_rows(model: type[Base], account_id: int) -> ColumnElement[bool]:
    """The rows of ``model`` that ``delete_account`` deletes."""
    table = Base.metadata.tables[model.__tablename__]
    condition: ColumnElement[bool] = table.c.account_id == account_id
    if model is AuthSession:
        users = select(User.id).where(User.account_id == account_id).scalar_subquery()
        condition = or_(condition, AuthSession.user_id.in_(users))
    return condition


async def _count(session: AsyncSession, model: type[Base], *conditions: ColumnElement[bool]) -> int:
    table = Base.metadata.tables[model.__tablename__]
    return int(
        (
            await session.execute(select(func.count()).select_from(table).where(*conditions))
        ).scalar_one()
    )


async def close_account(ctx: RequestContext, request: CloseAccountData) -> int:
    """Delete every row of the viewer's account; returns the closed account's id."""
    viewer = ctx.viewer
    reason = clean_optional_text(request.reason)
    # Exclusive: the account row is locked FOR UPDATE before anything else (the first lock of
    # every writer), so closing waits for the account's running writes and later ones find the
    # account gone (UNAUTHENTICATED) instead of deadlocking with it.
    async with ctx.db.write(exclusive=True) as session:
        await lock_account_owner(session, viewer, "Only the account owner can close the account.")
        account = (
            await session.scalars(
                select(Account).where(Account.id == viewer.account_id).with_for_update()
            )
        ).one()
        _check_can_close(request, reason, account)
        await delete_account(session, account.id, ctx)
        session.add(
            ClosureRecord(
                kind=ClosureKind.ACCOUNT,
                closed_subject_id=viewer.account_id,
                closed_account_id=viewer.account_id,
                closed_by_user_id=viewer.user_id,
                reason=reason,
                reason_category=None,
                details=None,
                closed_at=ctx.now,
            )
        )
    ctx.token_revoked = True
    ctx.memo.clear()
    return viewer.account_id


def _check_can_close(request: CloseAccountData, reason: str | None, account: Account) -> None:
    if text_too_long(reason, MAX_ACCOUNT_REASON_LENGTH):
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            f"The reason can be at most {MAX_ACCOUNT_REASON_LENGTH} characters long.",
            ["input", "reason"],
        )
    if not confirmation_matches(request.confirm_name, account.name):
        raise BusinessError.of(
            ErrorCode.CONFIRMATION_MISMATCH,
            f"Type the account's name ({account.name}) to confirm closing it.",
            ["input", "confirmName"],
        )
    if account.full_export_at is None and not request.acknowledge_data_loss:
        raise BusinessError.of(
            ErrorCode.EXPORT_REQUIRED,
            "Download the full export of the account first (GET /exports/account.zip), "
            "or confirm that all of its data may be lost.",
            ["input", "acknowledgeDataLoss"],
        )


async def delete_account(session: AsyncSession, account_id: int, ctx: RequestContext) -> None:
    """Every row of the account, children first, one set-based statement per table."""
    await _delete_owned_portfolios(session, account_id)
    await _mark_foreign_metrics_changed(session, account_id, ctx)
    for model in ACCOUNT_TABLES_IN_DELETE_ORDER:
        table = Base.metadata.tables[model.__tablename__]
        await session.execute(delete(table).where(_account_rows(model, account_id)))
    await session.execute(delete(Account).where(Account.id == account_id))


async def _delete_owned_portfolios(session: AsyncSession, account_id: int) -> None:
    users = select(User.id).where(User.account_id == account_id)
    owned = list(
        (
            await session.scalars(
                select(Portfolio.id).where(
                    or_(Portfolio.account_id == account_id, Portfolio.owner_user_id.in_(users))
                )
            )
        ).all()
    )
    if not owned:
        return
    for model in PORTFOLIO_TABLES_IN_DELETE_ORDER:
        await session.execute(delete(model).where(model.portfolio_id.in_(owned)))
    await session.execute(delete(Portfolio).where(Portfolio.id.in_(owned)))


async def _mark_foreign_metrics_changed(
    session: AsyncSession, account_id: int, ctx: RequestContext
) -> None:
    """Another portfolio losing this account's metric points has changed metric data."""
    touched = select(PortfolioMetricPoint.portfolio_id).where(
        PortfolioMetricPoint.account_id == account_id
    )
    await session.execute(
        update(Portfolio).where(Portfolio.id.in_(touched)).values(metric_changed_at=ctx.now)
    )
