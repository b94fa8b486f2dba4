"""Idempotency keys: a retried charging mutation with the same key charges once.

The result of a mutation is stored as JSON keyed by (account, key) in the same transaction as the
change. A retry with the same key and the same input gets the stored result back; the same key
with a different input is a ``CONFLICT``. Look-ups happen after the subscription lock is taken, so
two concurrent retries run one after the other and the second one sees the first one's record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IdempotencyRecord
from resolvers.errors import BusinessError, ErrorCode
from resolvers.rules import billing as rules

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class IdempotentCall:
    """One charging mutation as its idempotency record sees it: name, key, input fingerprint."""

    operation: str
    key: str | None
    fingerprint: str

    @classmethod
    def of(cls, operation: str, key: str | None, arguments: Mapping[str, Any]) -> IdempotentCall:
        """Checks the key (INVALID_INPUT) and hashes the input (minus the key itself)."""
        return cls(operation, check_key(key), fingerprint(operation, arguments))


def fingerprint(operation: str, arguments: Mapping[str, Any]) -> str:
    """A stable hash of the operation and its input (minus the key itself)."""
    canonical = json.dumps(
        {"operation": operation, "arguments": dict(arguments)}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise BusinessError.of(
            ErrorCode.INVALID_INPUT,
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters.",
            ["input", "idempotencyKey"],
        )
    return key


async def replay(
    session: AsyncSession, account_id: int, call: IdempotentCall
) -> dict[str, Any] | None:
    """The stored result for this key, or None; CONFLICT if the key was used for another input."""
    if call.key is None:
        return None
    record = (
        await session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == call.key
            )
        )
    ).one_or_none()
    if record is None:
        return None
    if record.operation != call.operation or record.request_fingerprint != call.fingerprint:
        raise BusinessError.of(
            ErrorCode.CONFLICT,
            "This idempotencyKey was already used for a different request.",
            ["input", "idempotencyKey"],
        )
    stored: dict[str, Any] = json.loads(record.response)
    return stored


def remember(
    session: AsyncSession,
    *,
    account_id: int,
    call: IdempotentCall,
    result: Mapping[str, Any],
    now: datetime,
) -> None:
    if call.key is None:
        return
    session.add(
        IdempotencyRecord(
            account_id=account_id,
            key=call.key,
            operation=call.operation,
            request_fingerprint=call.fingerprint,
            response=json.dumps(dict(result), sort_keys=True),
            created_at=now,
        )
    )


# --------------------------------------------------------------------------- preview as JSON


def _tier_json(tier: rules.Tier) -> dict[str, Any]:
    return {"limit": tier.limit, "price": str(tier.price)}


def _tier_from(data: Mapping[str, Any]) -> rules.Tier:
    return rules.Tier(limit=int(data["limit"]), price=Decimal(data["price"]))


def preview_to_json(preview: rules.BillingPreview) -> dict[str, Any]:
    return {
        "proration_date": preview.proration_date.isoformat(),
        "currency": preview.currency,
        "immediate_charge": str(preview.immediate_charge),
        "next_invoice_before": str(preview.next_invoice_before),
        "next_invoice_after": str(preview.next_invoice_after),
        "next_bill_date": preview.next_bill_date.isoformat(),
        "billable_seats_before": preview.billable_seats_before,
        "billable_seats_after": preview.billable_seats_after,
        "tier_before": _tier_json(preview.tier_before),
        "tier_after": _tier_json(preview.tier_after),
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
                "prorated": line.prorated,
                "period_start": line.period_start.isoformat(),
                "period_end": line.period_end.isoformat(),
            }
            for line in preview.lines
        ],
    }


def preview_from_json(data: Mapping[str, Any]) -> rules.BillingPreview:
    return rules.BillingPreview(
        proration_date=datetime.fromisoformat(data["proration_date"]),
        currency=data["currency"],
        immediate_charge=Decimal(data["immediate_charge"]),
        next_invoice_before=Decimal(data["next_invoice_before"]),
        next_invoice_after=Decimal(data["next_invoice_after"]),
        next_bill_date=datetime.fromisoformat(data["next_bill_date"]),
        billable_seats_before=int(data["billable_seats_before"]),
        billable_seats_after=int(data["billable_seats_after"]),
        tier_before=_tier_from(data["tier_before"]),
        tier_after=_tier_from(data["tier_after"]),
        lines=tuple(
            rules.BillingLine(
                description=line["description"],
                quantity=int(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                amount=Decimal(line["amount"]),
                prorated=bool(line["prorated"]),
                period_start=datetime.fromisoformat(line["period_start"]),
                period_end=datetime.fromisoformat(line["period_end"]),
            )
            for line in data["lines"]
        ),
    )
