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
from schema.common import Connection, PageAfter, PageFirst, selects
from schema.extensions import refusable_query


@strawberry.type(description="An alert for the account's admins.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Global id.")
    kind: str = strawberry.field(description="What it is about: CONTACT_TIER_USAGE.")
    threshold: int = strawberry.field(description="The percentage reached: 90 or 100.")
    message: str = strawberry.field(description="Text for a person.")
    created_at: datetime = strawberry.field(description="When it was raised (UTC, ISO-8601).")

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
    @refusable_query(
        description="Admins only (FORBIDDEN otherwise): contact-tier alerts at 90 % and 100 % of "
        "the tier, once per threshold per period, newest first."
    )
    async def notifications(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
    ) -> Connection[Notification]:
        ctx = info.context
        require_admin(ctx)
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        rows = await list_notifications(ctx, page)
        return Connection.from_page(rows, Notification.from_row)
