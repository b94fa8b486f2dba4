"""Marketing contacts: creating contacts, switching marketing status, permissions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common import MarketingStatus
from schema.contacts import ContactFilter


@strawberry.input
class SetMarketingStatusInput:
    proration_date: datetime | None = None
    contact_ids: list[strawberry.ID] | None = None
    filter: ContactFilter | None = None
    status: MarketingStatus
    dry_run: bool | None = False
