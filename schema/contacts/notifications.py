"""Admin notifications: the Notification type and the notifications query (admins only)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from resolvers.contacts.notifications import list_notifications
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from resolvers.permissions import require_admin
from schema.common import Connection, selects
from schema.extensions import refusable_query


@strawberry.type
class Notification:
    id: strawberry.ID
    kind: str
    threshold: int
    message: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Notification) -> Notification:
        return cls(
            id=strawberry.ID(encode_global_id("Notification", row.id)),
            kind=row.kind,
            threshold=row.threshold,
            message=row.message,
            created_at=row.created_at,
        )


@strawberry.type
class NotificationsQuery:
    @refusable_query()
    async def notifications(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Notification]:
        ctx = info.context
        require_admin(ctx)
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_notifications(ctx, page)
        return Connection.from_page(rows, Notification.from_row)
