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
from schema.common import Connection, Node, PageAfter, PageFirst, selects
from schema.extensions import refusable_query
from schema.prefetch import MaybeAwaitable, reads
from schema.users import user_read

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


#: What ``actor`` reads (schema/prefetch.py).
ACTOR_READ = user_read("actor_pk")


@strawberry.type(description="One recorded state change (admins only).")
class AuditEvent(Node):
    actor_pk: strawberry.Private[int | None]
    action: str = strawberry.field(
        description="What happened, as `domain.verb`: user.deactivate, seat.add, billing.renew ..."
    )
    target_id: strawberry.ID | None = strawberry.field(
        description="Global id of the object changed; null when none."
    )
    occurred_at: datetime = strawberry.field(description="When (UTC, ISO-8601).")
    details: str = strawberry.field(
        description="JSON object with ids, counts and money that matter; never names or emails."
    )
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

    @strawberry.field(
        graphql_type=UserRef | None,
        metadata=reads(ACTOR_READ),
        description="Who did it; null for the system (e.g. a period roll-over).",
    )
    def actor(self, info: strawberry.Info[RequestContext]) -> MaybeAwaitable[User | None]:
        return ACTOR_READ.resolve(self, info)  # type: ignore[no-any-return]


@strawberry.input(description="Narrows `auditEvents`; the conditions given must all hold.")
class AuditEventFilter:
    action: list[str] | None = strawberry.field(
        default=None, description="Any of these actions (exact names, e.g. user.add)."
    )
    actor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Events by this user (global id)."
    )
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Events about this object (global id)."
    )
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
    @refusable_query(
        description="Admins only (FORBIDDEN otherwise): the audit trail, newest first."
    )
    async def audit_events(
        self,
        info: strawberry.Info[RequestContext],
        first: PageFirst = None,
        after: PageAfter = None,
        filter: Annotated[
            AuditEventFilter | None,
            strawberry.argument(description="Conditions; omit for every event."),
        ] = None,
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
