"""Reading deals: the filtered list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from db.models import Deal
from resolvers.context import RequestContext
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.users.owned_items import owner_not_in, resolve_owner_in


@dataclass(frozen=True)
class DealFilterData:
    owner_in: tuple[str, ...] | None = None
    owner_not_in: tuple[str, ...] | None = None


async def list_deals(
    ctx: RequestContext, page: PageRequest, flt: DealFilterData | None
) -> Page[Deal]:
    query: Select[tuple[Deal]] = select(Deal).where(Deal.account_id == ctx.viewer.account_id)
    if flt is not None:
        if flt.owner_in is not None:
            owners = await resolve_owner_in(ctx, flt.owner_in, ["filter", "ownerIn"])
            query = query.where(Deal.owner_id.in_(owners))
        if flt.owner_not_in is not None:
            query = query.where(owner_not_in(Deal.owner_id, flt.owner_not_in))
    return await fetch_page(ctx, query, Deal.id, page)
