"""Reading contacts: the filtered list and the marketing usage aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, func, or_, select

from db.enums import ContactSource, MarketingStatus
from db.models import Contact
from resolvers.context import RequestContext
from resolvers.owned_items import owner_not_in, resolve_owner_in
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.users import search_condition


@dataclass(frozen=True)
class ContactFilterData:
    marketing_status: MarketingStatus | None = None
    owner_in: tuple[str, ...] | None = None
    owner_not_in: tuple[str, ...] | None = None
    sources: tuple[ContactSource, ...] | None = None
    search: str | None = None


async def contact_conditions(
    ctx: RequestContext, flt: ContactFilterData | None, field: tuple[str, ...] = ("filter",)
) -> list[object]:
    """WHERE conditions for a contact filter, scoped to the viewer's account.

    Shared by the list and by bulk changes that take a filter, so both select the same contacts.
    """
    conditions: list[object] = [Contact.account_id == ctx.viewer.account_id]
    if flt is None:
        return conditions
    if flt.marketing_status is not None:
        conditions.append(Contact.marketing_status == flt.marketing_status)
    if flt.owner_in is not None:
        owners = await resolve_owner_in(ctx, flt.owner_in, [*field, "ownerIn"])
        conditions.append(Contact.owner_id.in_(owners))
    if flt.owner_not_in is not None:
        conditions.append(owner_not_in(Contact.owner_id, flt.owner_not_in))
    if flt.sources:
        conditions.append(Contact.source.in_(flt.sources))
    if flt.search and flt.search.strip():
        conditions.append(search_condition(flt.search, Contact.name, Contact.email))
    return conditions


async def list_contacts(
    ctx: RequestContext, page: PageRequest, flt: ContactFilterData | None
) -> Page[Contact]:
    conditions = await contact_conditions(ctx, flt)
    query: Select[tuple[Contact]] = select(Contact).where(*conditions)  # type: ignore[arg-type]
    return await fetch_page(ctx, query, Contact.id, page)


@dataclass(frozen=True)
class MarketingCounts:
    marketing: int
    billed: int


def billed_as_marketing(now: datetime) -> object:
    """A contact counts toward the tier while marketing, or until its billed-until instant."""
    return or_(
        Contact.marketing_status == MarketingStatus.MARKETING,
        and_(
            Contact.billed_as_marketing_until.is_not(None),
            Contact.billed_as_marketing_until > now,
        ),
    )


async def count_marketing(ctx: RequestContext, account_id: int) -> MarketingCounts:
    """One aggregate query: contacts are counted in the database, never loaded."""
    marketing = func.coalesce(
        func.sum(case((Contact.marketing_status == MarketingStatus.MARKETING, 1), else_=0)), 0
    )
    billed = func.coalesce(func.sum(case((billed_as_marketing(ctx.now), 1), else_=0)), 0)  # type: ignore[arg-type]
    query = select(marketing, billed).where(Contact.account_id == account_id)
    async with ctx.db.read() as session:
        marketing_count, billed_count = (await session.execute(query)).one()
    return MarketingCounts(marketing=int(marketing_count), billed=int(billed_count))
