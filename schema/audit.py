"""Audit trail: the AuditEvent type, its filter and the auditEvents query (admins only)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from db import models
from resolvers.audit import AuditEventFilterData, list_events
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from resolvers.pagination import PageRequest
from resolvers.permissions import require_admin
from schema.common import Connection, Node, selects
from schema.extensions import refusable_query
from schema.prefetch import MaybeAwaitable, reads
from schema.users import user_read

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


#: What ``actor`` reads (schema/prefetch.py).
ACTOR_READ = user_read("actor_pk")


@strawberry.type
class AuditEvent(Node):
    actor_pk: strawberry.Private[int | None]
    action: str
    target_id: strawberry.ID | None
    occurred_at: datetime
    details: str
    actor_scim_token_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The ScimToken id when an identity provider made the change through SCIM "
        "(then actor is null).",
    )

    @strawberry.field(
        graphql_type=JSON,
        description=(
            "The same details as `details`, as a JSON object rather than a string holding JSON "
            "(contract addition)."
        ),
    )
    def details_json(self) -> Any:
        return json.loads(self.details)

    @classmethod
    def from_row(cls, row: models.AuditEvent) -> AuditEvent:
        return cls(
            id=strawberry.ID(encode_global_id("AuditEvent", row.id)),
            actor_pk=row.actor_user_id,
            action=row.action,
            target_id=strawberry.ID(row.target_id) if row.target_id is not None else None,
            occurred_at=row.occurred_at,
            details=row.details,
            actor_scim_token_id=strawberry.ID(
                encode_global_id("ScimToken", row.actor_scim_token_id)
            )
            if row.actor_scim_token_id is not None
            else None,
        )

    @strawberry.field(graphql_type=UserRef | None, metadata=reads(ACTOR_READ))
    def actor(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        return ACTOR_READ.resolve(self, info)  # type: ignore[no-any-return]


@strawberry.input
class AuditEventFilter:
    action: list[str] | None = None
    actor_id: strawberry.ID | None = None
    target_id: strawberry.ID | None = None
    from_: datetime | None = strawberry.field(
        default=None,
        name="from",
        description="Events that occurred at or after this instant (contract addition).",
    )
    to: datetime | None = strawberry.field(
        default=None,
        description=(
            "Events that occurred before this instant, exclusive (contract addition); "
            "`to` before `from` is INVALID_INPUT."
        ),
    )


@strawberry.type
class AuditQuery:
    @refusable_query()
    async def audit_events(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
        filter: AuditEventFilter | None = None,
    ) -> Connection[AuditEvent]:
        ctx = info.context
        require_admin(ctx)
        page = PageRequest.parse(ctx, first, after, with_total=selects(info, "totalCount"))
        data = (
            AuditEventFilterData(
                actions=tuple(filter.action) if filter.action else None,
                actor_id=filter.actor_id,
                target_id=filter.target_id,
                occurred_from=filter.from_,
                occurred_to=filter.to,
            )
            if filter
            else None
        )
        rows = await list_events(ctx, page, data)
        return Connection.from_page(rows, AuditEvent.from_row)
