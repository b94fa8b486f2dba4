"""Admin notifications (e.g. the contact tier reaching 90 % / 100 %), newest first.

API addition: ``notifications(first: Int, after: String): NotificationConnection!`` with
``Notification { id, kind, threshold, message, createdAt }``; admins only (a ``FORBIDDEN``
GraphQL error otherwise). Notifications are written by ``resolvers.contacts.marketing`` once
per threshold per billing period.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from db.models import Notification
from resolvers.context import RequestContext
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.permissions import require_admin


async def list_notifications(ctx: RequestContext, page: PageRequest) -> Page[Notification]:
    viewer = require_admin(ctx)
    query: Select[tuple[Notification]] = select(Notification).where(
        Notification.account_id == viewer.account_id
    )
    return await fetch_page(ctx, query, Notification.id, page, descending=True)
