"""Marketing contacts: create, switch status (by ids or filter), source defaults.

SPEC "Marketing contacts". Each mutation reads like the rule: check permission -> load with a lock
(the subscription row, ``FOR UPDATE``) -> decide with pure rules (``rules.marketing``,
``rules.billing``) -> write with set-based SQL -> audit -> payload data.

API additions beyond ``API.graphql`` (documented for the README):

- ``setContactSourceDefault(input: {source, marketingStatus}): SetContactSourceDefaultPayload``
  ``{ defaults: [ContactSourceDefaultEntry!]!, userErrors }`` (admins only) and the query field
  ``contactSourceDefaults: [ContactSourceDefaultEntry!]!`` (any signed-in user), where
  ``ContactSourceDefaultEntry { source, marketingStatus, overridden: Boolean! }``.
  ``marketingStatus`` is ``null`` for ``FORM`` and ``IMPORT``: those sources carry their own status,
  have no default and cannot be overridden (``INVALID_INPUT`` on ``["input","source"]``). Setting a
  source back to its built-in default removes the override.
- ``notifications(first, after): NotificationConnection!`` (admins only; see
  ``resolvers.contacts.notifications``).

Rules written down where the spec was silent:

- ``createContact`` without ``marketingStatus`` takes the account's default for the source;
  FORM and IMPORT without a status are ``INVALID_INPUT`` (``["input","marketingStatus"]``). An
  explicit status always wins over the default. If the resulting status is MARKETING and the
  caller lacks ``canSetMarketingStatus`` the contact is not created (``FORBIDDEN``), even when
  the MARKETING status came from the account's default.
- ``setMarketingStatus`` to MARKETING needs ``canSetMarketingStatus``; to NON_MARKETING any active
  user may (it only lowers what the account is billed).
- Contacts already in the requested status are left untouched and not counted in ``updatedCount``.
- Invalid selections change nothing: both or neither of ``contactIds``/``filter`` and an empty list
  are ``INVALID_INPUT`` on ``["input"]`` / ``["input","contactIds"]``; more than 10 000 ids is
  ``INVALID_INPUT``; an unknown id, an id of another account or of another type is ``NOT_FOUND`` on
  ``["input","contactIds",<index>]`` (the first one); repeated ids count once.
- ``prorationDate`` must carry an offset, must not be in the future and not before the current
  period start (``INVALID_INPUT`` on ``["input","prorationDate"]``).
- Beyond the top tier the account stays on the top tier (``percentUsed`` above 100); the change is
  not refused.
- Tier notifications (kind ``CONTACT_TIER_USAGE``) fire when the billed count crosses 90 % / 100 %
  of the tier in force after the change, once per threshold per period.
- A change that changes nothing (no contact switched, no tier move) writes no audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from graphql import GraphQLError
from sqlalchemy import ColumnElement, CursorResult, and_, case, delete, func, not_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ContactSource, MarketingStatus
from db.models import (
    Contact,
    ContactSourceDefault,
    Notification,
    Subscription,
)
from resolvers import audit
from resolvers.billing import BillingChange, billing_transaction
from resolvers.contacts import (
    ContactFilterData,
    billed_as_marketing,
    contact_conditions,
    marketing_counts_query,
)
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id, encode_global_id
from resolvers.permissions import require_admin
from resolvers.rules import billing as billing_rules
from resolvers.rules import contacts as rules

#: The most ids one ``setMarketingStatus`` call may name; bigger selections go by filter.
MAX_CONTACT_IDS = 10_000
#: Notification kind for the contact tier usage thresholds.
TIER_USAGE_NOTIFICATION = "CONTACT_TIER_USAGE"
TIER_THRESHOLDS = (90, 100)


# --------------------------------------------------------------------------- shared helpers


def _fail(code: ErrorCode, message: str, *field: str | int) -> BusinessError:
    return BusinessError.of(code, message, [str(part) for part in field] if field else None)


def _dialect_insert(session: AsyncSession, model: type[Any]) -> Any:
    """INSERT with ON CONFLICT support on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(model)
    return sqlite_insert(model)


@dataclass(frozen=True)
class TierOutcome:
    """What a rise of the billed count did to the tier, the ledger and the notifications."""

    tier_before: billing_rules.Tier
    tier_after: billing_rules.Tier
    charge: billing_rules.Money
    ledger_operation_id: str | None
    notified_thresholds: tuple[int, ...]

    def audit_details(self) -> dict[str, object]:
        return {
            "tier_before": self.tier_before.limit,
            "tier_after": self.tier_after.limit,
            "charge_amount": str(self.charge.amount),
            "currency": self.charge.currency,
            "ledger_operation_id": self.ledger_operation_id,
            "notified_thresholds": list(self.notified_thresholds),
        }


async def _apply_tier_change(
    session: AsyncSession,
    ctx: RequestContext,
    change: BillingChange,
    preview: billing_rules.BillingPreview,
    billed_before: int,
    billed_after: int,
) -> TierOutcome:
    """Move the tier up if the preview says so (charge posted for the next day), then notify."""
    subscription = change.snapshot.view.row
    operation_id: str | None = None
    if preview.tier_after.limit != preview.tier_before.limit:
        subscription.contact_tier_limit = preview.tier_after.limit
        operation_id = change.post(
            preview,
            charge_effective_at=billing_rules.tier_upgrade_charge_date(preview.proration_date),
        )
    thresholds = billing_rules.crossed_thresholds(
        billed_before, billed_after, preview.tier_after.limit, TIER_THRESHOLDS
    )
    if thresholds:
        await _notify_thresholds(
            session, ctx, subscription, preview.tier_after, billed_after, thresholds
        )
    return TierOutcome(
        tier_before=preview.tier_before,
        tier_after=preview.tier_after,
        charge=billing_rules.Money(preview.immediate_charge, preview.currency),
        ledger_operation_id=operation_id,
        notified_thresholds=tuple(thresholds),
    )


async def _notify_thresholds(
    session: AsyncSession,
    ctx: RequestContext,
    subscription: Subscription,
    tier: billing_rules.Tier,
    billed: int,
    thresholds: Sequence[int],
) -> None:
    """One notification per threshold per period: duplicates are ignored by the unique key."""
    rows = [
        {
            "account_id": subscription.account_id,
            "kind": TIER_USAGE_NOTIFICATION,
            "threshold": threshold,
            "period_start": subscription.period_start,
            "message": (
                f"Billed marketing contacts reached {threshold} % of your contact tier: "
                f"{billed:,} of {tier.limit:,}."
            ),
            "created_at": ctx.now,
        }
        for threshold in thresholds
    ]
    statement = _dialect_insert(session, Notification).values(rows).on_conflict_do_nothing()
    await session.execute(statement)


async def _billed_count(session: AsyncSession, ctx: RequestContext) -> int:
    row = (await session.execute(marketing_counts_query(ctx.viewer.account_id, ctx.now))).one()
    return int(row[1])


async def _source_overrides(
    session: AsyncSession, account_id: int
) -> dict[ContactSource, MarketingStatus]:
    rows = (
        await session.scalars(
            select(ContactSourceDefault).where(ContactSourceDefault.account_id == account_id)
        )
    ).all()
    return {row.source: row.marketing_status for row in rows}


# --------------------------------------------------------------------------- createContact


@dataclass(frozen=True)
class CreateContactData:
    name: str
    email: str | None
    source: ContactSource
    marketing_status: MarketingStatus | None
    proration_date: datetime | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class CreateContactResult:
    """The contact created (None for a dry run) and what it costs (None when it cannot cost:
    a non-marketing contact, unless it was a dry run)."""

    contact: Contact | None
    preview: billing_rules.BillingPreview | None


def _validate_contact(data: CreateContactData) -> CreateContactData:
    name = data.name.strip()
    if not name:
        raise _fail(ErrorCode.INVALID_INPUT, "Give the contact a name.", "input", "name")
    if len(name) > 200:
        raise _fail(ErrorCode.INVALID_INPUT, "Names are at most 200 characters.", "input", "name")
    email = data.email.strip() if data.email is not None else None
    if email is not None and (len(email) > 320 or (email and "@" not in email)):
        raise _fail(ErrorCode.INVALID_INPUT, "That is not an email address.", "input", "email")
    return replace(data, name=name, email=email or None)


async def create_contact(ctx: RequestContext, data: CreateContactData) -> CreateContactResult:
    viewer = ctx.require_viewer()
    data = _validate_contact(data)
    async with billing_transaction(ctx) as session:
        overrides = await _source_overrides(session, viewer.account_id)
        status = rules.initial_status(data.source, data.marketing_status, overrides)
        if status is None:
            raise _fail(
                ErrorCode.INVALID_INPUT,
                f"Contacts from {data.source.value} must say whether they are marketing contacts.",
                "input",
                "marketingStatus",
            )
        if not rules.may_set_status(status, viewer.can_set_marketing_status):
            raise _fail(
                ErrorCode.FORBIDDEN,
                "You don't have permission to create marketing contacts.",
                "input",
                "marketingStatus",
            )
        details: dict[str, object] = {"source": data.source.value, "marketing_status": status.value}
        marketing = status is MarketingStatus.MARKETING
        preview: billing_rules.BillingPreview | None = None
        if marketing or data.dry_run:
            change = await BillingChange.begin(session, ctx, dry_run=data.dry_run)
            billed_before = await _billed_count(session, ctx)
            preview = billing_rules.preview_tier_change(
                change.snapshot.state,
                billed_before + (1 if marketing else 0),
                change.prorate_at(data.proration_date),
            )
            if data.dry_run:
                return CreateContactResult(contact=None, preview=preview)
        contact = Contact(
            account_id=viewer.account_id,
            owner_id=viewer.user_id,
            name=data.name,
            email=data.email,
            marketing_status=status,
            source=data.source,
            billed_as_marketing_until=None,
            created_at=ctx.now,
        )
        session.add(contact)
        await session.flush()
        if marketing and preview is not None:
            outcome = await _apply_tier_change(
                session, ctx, change, preview, billed_before, billed_before + 1
            )
            details.update(outcome.audit_details())
            change.audit("contact.create", encode_global_id("Contact", contact.id), details)
        else:
            audit.record_for(
                session, ctx, "contact.create", encode_global_id("Contact", contact.id), details
            )
    return CreateContactResult(contact=contact, preview=preview)


# --------------------------------------------------------------------------- setMarketingStatus


@dataclass(frozen=True)
class SetMarketingStatusData:
    status: MarketingStatus
    contact_ids: tuple[str, ...] | None = None
    filter: ContactFilterData | None = None
    proration_date: datetime | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class _Selection:
    """The contacts a change applies to, as SQL conditions (never loaded)."""

    conditions: tuple[ColumnElement[bool], ...]
    #: For a list of ids: (index in the input, global id, primary key), to report unknown ids.
    ids: tuple[tuple[int, str, int], ...] | None
    by: str


@dataclass(frozen=True)
class MarketingStatusResult:
    #: Contacts whose status changed (or would change, on a dry run).
    updated_count: int
    preview: billing_rules.BillingPreview
    dry_run: bool
    tier: TierOutcome | None = None


async def _select_contacts(ctx: RequestContext, data: SetMarketingStatusData) -> _Selection:
    """Validate the selection: exactly one of ids / filter; ids decoded; filter to conditions."""
    if (data.contact_ids is None) == (data.filter is None):
        raise _fail(
            ErrorCode.INVALID_INPUT,
            "Choose the contacts either by contactIds or by filter (exactly one of them).",
            "input",
        )
    account_id = ctx.viewer.account_id
    if data.contact_ids is not None:
        if not data.contact_ids:
            raise _fail(
                ErrorCode.INVALID_INPUT, "Choose at least one contact.", "input", "contactIds"
            )
        if len(data.contact_ids) > MAX_CONTACT_IDS:
            raise _fail(
                ErrorCode.INVALID_INPUT,
                f"At most {MAX_CONTACT_IDS:,} contacts can be named at once; "
                "use a filter for bigger changes.",
                "input",
                "contactIds",
            )
        decoded: list[tuple[int, str, int]] = []
        for index, global_id in enumerate(data.contact_ids):
            pk = decode_typed_id(global_id, "Contact")
            if pk is None:
                raise _not_found(index, global_id)
            decoded.append((index, global_id, pk))
        pks = sorted({pk for _, _, pk in decoded})
        return _Selection(
            conditions=(Contact.account_id == account_id, Contact.id.in_(pks)),
            ids=tuple(decoded),
            by="ids",
        )
    try:
        conditions = await contact_conditions(ctx, data.filter, ("input", "filter"))
    except GraphQLError as error:  # e.g. an ownerIn id that names nobody
        extensions = error.extensions or {}
        field = extensions.get("field")
        raise BusinessError.of(
            ErrorCode(str(extensions.get("code", ErrorCode.INVALID_INPUT.value))),
            error.message,
            [str(part) for part in field] if isinstance(field, list) else ["input", "filter"],
        ) from error
    return _Selection(
        conditions=tuple(cast(ColumnElement[bool], c) for c in conditions), ids=None, by="filter"
    )


def _not_found(index: int, global_id: str) -> BusinessError:
    return _fail(
        ErrorCode.NOT_FOUND,
        f"No contact with id {global_id!r}.",
        "input",
        "contactIds",
        index,
    )


async def _check_ids_exist(
    session: AsyncSession, ctx: RequestContext, selection: _Selection
) -> None:
    if selection.ids is None:
        return
    found = set((await session.scalars(select(Contact.id).where(*selection.conditions))).all())
    for index, global_id, pk in selection.ids:
        if pk not in found:
            raise _not_found(index, global_id)


@dataclass(frozen=True)
class _Plan:
    change: BillingChange
    at: datetime
    billed_before: int
    billed_after: int
    changing: int
    preview: billing_rules.BillingPreview


async def _plan(
    session: AsyncSession,
    ctx: RequestContext,
    selection: _Selection,
    data: SetMarketingStatusData,
) -> _Plan:
    """Read under the subscription lock and decide, with one aggregate (contacts never loaded).

    The tier decision uses the billed count after the change: contacts becoming MARKETING are newly
    billed unless they are still billed from an earlier switch-off this period (no double count);
    contacts leaving marketing stay billed until the next update date, so the count is unchanged.
    """
    change = await BillingChange.begin(session, ctx, dry_run=data.dry_run)
    at = change.prorate_at(data.proration_date)
    await _check_ids_exist(session, ctx, selection)
    target = and_(*selection.conditions)
    billed = billed_as_marketing(ctx.now)

    def count_of(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = (
        await session.execute(
            select(
                count_of(billed),
                count_of(and_(target, Contact.marketing_status != data.status)),
                count_of(and_(target, not_(billed))),
            ).where(Contact.account_id == ctx.viewer.account_id)
        )
    ).one()
    billed_before, changing, target_not_billed = (int(value) for value in row)
    newly_billed = target_not_billed if data.status is MarketingStatus.MARKETING else 0
    billed_after = billed_before + newly_billed
    preview = billing_rules.preview_tier_change(change.snapshot.state, billed_after, at)
    return _Plan(change, at, billed_before, billed_after, changing, preview)


async def _switch(
    session: AsyncSession, selection: _Selection, data: SetMarketingStatusData, plan: _Plan
) -> int:
    """One UPDATE for the whole selection, whatever its size."""
    if data.status is MarketingStatus.MARKETING:
        values: dict[str, object] = {
            "marketing_status": MarketingStatus.MARKETING,
            "billed_as_marketing_until": None,
        }
    else:
        values = {
            "marketing_status": MarketingStatus.NON_MARKETING,
            "billed_as_marketing_until": plan.change.snapshot.view.period.end,
        }
    statement = (
        update(Contact)
        .where(*selection.conditions, Contact.marketing_status != data.status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount)


async def set_marketing_status(
    ctx: RequestContext, data: SetMarketingStatusData
) -> MarketingStatusResult:
    viewer = ctx.require_viewer()
    if not rules.may_set_status(data.status, viewer.can_set_marketing_status):
        raise _fail(
            ErrorCode.FORBIDDEN,
            "You don't have permission to make contacts marketing contacts.",
            "input",
            "status",
        )
    selection = await _select_contacts(ctx, data)
    # A dry run decides on exactly the state the mutation would (period renewed if due, the
    # subscription locked) and stops before writing anything of its own.
    async with billing_transaction(ctx) as session:
        plan = await _plan(session, ctx, selection, data)
        if data.dry_run:
            return MarketingStatusResult(plan.changing, plan.preview, dry_run=True)
        updated = await _switch(session, selection, data, plan)
        outcome = await _apply_tier_change(
            session, ctx, plan.change, plan.preview, plan.billed_before, plan.billed_after
        )
        if updated or outcome.ledger_operation_id is not None:
            plan.change.audit(
                "contact.set_marketing_status",
                encode_global_id("Account", viewer.account_id),
                {
                    "status": data.status.value,
                    "selected_by": selection.by,
                    "count": updated,
                    "proration_date": plan.at.isoformat(),
                    **outcome.audit_details(),
                },
            )
    return MarketingStatusResult(updated, plan.preview, dry_run=False, tier=outcome)


# --------------------------------------------------------------------------- source defaults


async def contact_source_defaults(ctx: RequestContext) -> list[rules.SourceDefault]:
    viewer = ctx.require_viewer()
    async with ctx.db.read() as session:
        overrides = await _source_overrides(session, viewer.account_id)
    return rules.source_defaults(overrides)


async def set_contact_source_default(
    ctx: RequestContext, source: ContactSource, status: MarketingStatus
) -> list[rules.SourceDefault]:
    viewer = require_admin(ctx, "Only account admins can change contact defaults.")
    if source in rules.SOURCES_THAT_SPECIFY_STATUS:
        raise _fail(
            ErrorCode.INVALID_INPUT,
            f"Contacts from {source.value} always say their own status; it has no default.",
            "input",
            "source",
        )
    async with ctx.db.write() as session:
        before = rules.source_defaults(await _source_overrides(session, viewer.account_id))
        previous = next(entry for entry in before if entry.source is source)
        if status == rules.BUILT_IN_DEFAULTS[source]:
            await session.execute(
                delete(ContactSourceDefault).where(
                    ContactSourceDefault.account_id == viewer.account_id,
                    ContactSourceDefault.source == source,
                )
            )
        else:
            statement = (
                _dialect_insert(session, ContactSourceDefault)
                .values(account_id=viewer.account_id, source=source, marketing_status=status)
                .on_conflict_do_update(
                    index_elements=["account_id", "source"], set_={"marketing_status": status}
                )
            )
            await session.execute(statement)
        after = rules.source_defaults(await _source_overrides(session, viewer.account_id))
        audit.record_for(
            session,
            ctx,
            "contact.set_source_default",
            encode_global_id("Account", viewer.account_id),
            {
                "source": source.value,
                "before": previous.marketing_status.value if previous.marketing_status else None,
                "after": status.value,
                "overridden": status != rules.BUILT_IN_DEFAULTS[source],
            },
        )
    return after
