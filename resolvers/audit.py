"""The audit trail: every state change writes one event in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEvent
from resolvers.context import RequestContext, Viewer
from resolvers.errors import BusinessError, ErrorCode
from resolvers.ids import decode_typed_id
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.permissions import require_admin


def record(
    session: AsyncSession,
    *,
    account_id: int,
    actor_user_id: int | None,
    action: str,
    target_id: str | None,
    occurred_at: datetime,
    details: Mapping[str, Any] | None = None,
    actor_scim_token_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session's current transaction (flushed with it)."""
    event = AuditEvent(
        account_id=account_id,
        actor_user_id=actor_user_id,
        actor_scim_token_id=actor_scim_token_id,
        action=action,
        target_id=target_id,
        occurred_at=occurred_at,
        details=json.dumps(dict(details or {}), sort_keys=True, default=str),
    )
    session.add(event)
    return event


def record_for(
    session: AsyncSession,
    ctx: RequestContext,
    action: str,
    target_id: str | None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """``record`` with the actor, account and time taken from the request."""
    viewer: Viewer = ctx.viewer
    return record(
        session,
        account_id=viewer.account_id,
        actor_user_id=viewer.actor_user_id,
        action=action,
        target_id=target_id,
        occurred_at=ctx.now,
        details=details,
        actor_scim_token_id=viewer.scim_token_id,
    )


@dataclass(frozen=True)
class AuditEventFilterData:
    actions: tuple[str, ...] | None = None
    actor_id: str | None = None
    target_id: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


async def list_events(
    ctx: RequestContext, page: PageRequest, flt: AuditEventFilterData | None
) -> Page[AuditEvent]:
    viewer = require_admin(ctx)
    query: Select[tuple[AuditEvent]] = select(AuditEvent).where(
        AuditEvent.account_id == viewer.account_id
    )
    if flt is not None:
        if flt.actions:
            query = query.where(AuditEvent.action.in_(flt.actions))
        if flt.actor_id is not None:
            actor_pk = decode_typed_id(flt.actor_id, "User")
            # An unknown actor id simply matches nothing: filters never leak existence.
            query = query.where(AuditEvent.actor_user_id == (actor_pk if actor_pk else -1))
        if flt.target_id is not None:
            query = query.where(AuditEvent.target_id == flt.target_id)
        if flt.occurred_from and flt.occurred_to and flt.occurred_to < flt.occurred_from:
            raise BusinessError.of(
                ErrorCode.INVALID_INPUT, "`to` is before `from`.", ["filter", "to"]
            )
        if flt.occurred_from is not None:
            query = query.where(AuditEvent.occurred_at >= flt.occurred_from)
        if flt.occurred_to is not None:
            query = query.where(AuditEvent.occurred_at < flt.occurred_to)
    # Newest first is what an admin reading a trail expects.
    return await fetch_page(ctx, query, AuditEvent.id, page, descending=True)
