"""The named benchmark operations: the GraphQL document, its reference route, how to compare.

Each read operation is answered twice in every run: by the real GraphQL server and by the
hand-written reference (``bench.reference_app``) that returns the same ``{"data": ...}`` JSON.
The harness checks once per run that both answers are equal (``comparable`` fields only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The data set every run seeds (the issue's sizes).
USERS = 1_000
CONTACTS = 100_000
DEALS = 50_000

#: ``setMarketingStatus`` switches this many contacts per request (the API's maximum per call).
MUTATION_CONTACTS = 10_000
#: Writes are serialised by the subscription lock; more than this many per operation only
#: grows the table and the audit trail without telling anything new.
MUTATION_MAX_REQUESTS = 60

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token userErrors { code message } }
}
"""

USERS_PAGE = """
query UsersPage {
  users(first: 100) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id displayName email status role
        seat { id status billedSince }
        ownedItems { deals contacts leads organizations activities total }
        contacts(first: 5) {
          edges { node { id name email marketingStatus owner { id displayName } } }
        }
      }
    }
  }
}
"""

CONTACTS_PAGE = """
query ContactsPage {
  contacts(first: 100, filter: {marketingStatus: MARKETING}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id name email marketingStatus source billedAsMarketingUntil createdAt
        owner { id displayName }
      }
    }
  }
}
"""

CONTACT_USAGE = """
query ContactUsage {
  contactUsage {
    marketingContacts billedMarketingContacts percentUsed nextUpdateDate
    tier { limit price { amount currencyCode } }
  }
}
"""

BILLING_PREVIEW = """
query BillingPreview {
  billingPreview(change: {addSeats: {count: 2}}) {
    immediateCharge { amount currencyCode }
    nextInvoiceBefore { amount }
    nextInvoiceAfter { amount }
    nextBillDate billableSeatsBefore billableSeatsAfter
    lines { description quantity amount { amount } prorated }
  }
}
"""

SET_MARKETING_STATUS = """
mutation SetMarketingStatus($ids: [ID!]!, $status: MarketingStatus!) {
  setMarketingStatus(input: {contactIds: $ids, status: $status}) {
    updatedCount
    usage { marketingContacts billedMarketingContacts }
    userErrors { code message }
  }
}
"""


@dataclass(frozen=True)
class Operation:
    name: str
    #: The root field the operation needs; skipped when the served schema lacks it.
    root_type: str
    root_field: str
    document: str
    reference_path: str
    mutation: bool = False
    #: Paths (dotted, under ``data``) dropped before comparing GraphQL and reference answers.
    unstable: tuple[str, ...] = ()
    description: str = ""
    #: Variables for the n-th request (mutations alternate; reads take none).
    variables: Callable[[int, dict[str, Any]], dict[str, Any]] | None = field(default=None)


def _marketing_variables(n: int, fixture: dict[str, Any]) -> dict[str, Any]:
    status = "NON_MARKETING" if n % 2 == 0 else "MARKETING"
    return {"ids": fixture["contact_ids"], "status": status}


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "users page",
        "Query",
        "users",
        USERS_PAGE,
        "/users-page",
        description="100 users with seat, ownedItems and their first 5 contacts with owner",
    ),
    Operation(
        "contacts page",
        "Query",
        "contacts",
        CONTACTS_PAGE,
        "/contacts-page",
        description="100 MARKETING contacts with owner, totalCount and pageInfo",
    ),
    Operation(
        "contactUsage",
        "Query",
        "contactUsage",
        CONTACT_USAGE,
        "/contact-usage",
        description="marketing / billed counts over 100 000 contacts, tier, percent used",
    ),
    Operation(
        "billingPreview",
        "Query",
        "billingPreview",
        BILLING_PREVIEW,
        "/billing-preview",
        description="price of adding 2 seats (dry run of addSeats)",
    ),
    Operation(
        "setMarketingStatus 10k",
        "Mutation",
        "setMarketingStatus",
        SET_MARKETING_STATUS,
        "/set-marketing-status",
        mutation=True,
        description=(
            "10 000 contacts by id, alternating NON_MARKETING / MARKETING each request; "
            "concurrency 1, at most 60 requests"
        ),
        variables=_marketing_variables,
    ),
)


def drop_paths(data: Any, paths: tuple[str, ...]) -> Any:
    """A copy of ``data`` without the dotted ``paths`` (lists are walked element-wise)."""
    if not paths:
        return data

    def drop(value: Any, parts: list[str]) -> Any:
        if isinstance(value, list):
            return [drop(item, parts) for item in value]
        if not isinstance(value, dict) or not parts:
            return value
        head, rest = parts[0], parts[1:]
        if not rest:
            return {k: v for k, v in value.items() if k != head}
        return {k: (drop(v, rest) if k == head else v) for k, v in value.items()}

    for path in paths:
        data = drop(data, path.split("."))
    return data
