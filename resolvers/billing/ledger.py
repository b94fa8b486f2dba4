"""Reading the billing ledger (admins): newest first, filtered by kind, item and date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from db.enums import BillingItem, LedgerEntryKind
from db.models import LedgerEntry
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, ErrorCode
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.permissions import require_admin


@dataclass(frozen=True)
class LedgerFilterData:
    kinds: tuple[LedgerEntryKind, ...] | None = None
    items: tuple[BillingItem, ...] | None = None
    #: Inclusive lower and exclusive upper bound on the row's effective date.
    effective_from: datetime | None = None
    effective_to: datetime | None = None


async def list_ledger(
    ctx: RequestContext, page: PageRequest, flt: LedgerFilterData | None
) -> Page[LedgerEntry]:
    viewer = require_admin(ctx)
    query: Select[tuple[LedgerEntry]] = select(LedgerEntry).where(
        LedgerEntry.account_id == viewer.account_id
    )
    if flt is not None:
        if flt.kinds:
            query = query.where(LedgerEntry.kind.in_(flt.kinds))
        if flt.items:
            query = query.where(LedgerEntry.item.in_(flt.items))
        if flt.effective_from and flt.effective_to and flt.effective_to < flt.effective_from:
            raise BusinessError.of(
                ErrorCode.INVALID_INPUT, "`to` is before `from`.", ["filter", "to"]
            )
        if flt.effective_from is not None:
            query = query.where(LedgerEntry.effective_at >= flt.effective_from)
        if flt.effective_to is not None:
            query = query.where(LedgerEntry.effective_at < flt.effective_to)
    # Newest first: the id follows posting order, and is a stable cursor.
    return await fetch_page(ctx, query, LedgerEntry.id, page, descending=True)
