"""Domain enumerations shared by the models, the pure rules and the GraphQL schema.

Plain Python enums with no I/O: the schema wraps them with ``strawberry.enum`` so the names the
database stores and the names the API serves are the same values.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "ADMIN"
    REGULAR = "REGULAR"


class UserStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DEACTIVATED = "DEACTIVATED"
    DELETED = "DELETED"


class SeatStatus(StrEnum):
    OCCUPIED = "OCCUPIED"
    FREE = "FREE"
    PENDING_REMOVAL = "PENDING_REMOVAL"


class MarketingStatus(StrEnum):
    MARKETING = "MARKETING"
    NON_MARKETING = "NON_MARKETING"


class ContactSource(StrEnum):
    MANUAL = "MANUAL"
    IMPORT = "IMPORT"
    FORM = "FORM"
    API = "API"
    INTEGRATION = "INTEGRATION"
    CONVERSATION = "CONVERSATION"


class OwnedItemType(StrEnum):
    DEAL = "DEAL"
    CONTACT = "CONTACT"
    LEAD = "LEAD"
    ORGANIZATION = "ORGANIZATION"
    ACTIVITY = "ACTIVITY"


class PortfolioCloseReason(StrEnum):
    CONSOLIDATING_PORTFOLIOS = "CONSOLIDATING_PORTFOLIOS"
    HARD_TO_USE = "HARD_TO_USE"
    MISSING_FEATURES = "MISSING_FEATURES"
    BUGS = "BUGS"
    TESTING = "TESTING"
    NO_LONGER_NEEDED = "NO_LONGER_NEEDED"


class PortfolioCloseReasonCategory(StrEnum):
    CONSOLIDATION = "CONSOLIDATION"
    PROBLEM = "PROBLEM"
    OTHER = "OTHER"


class PortfolioExportKind(StrEnum):
    BILLING = "BILLING"
    METRIC = "METRIC"


class LedgerEntryKind(StrEnum):
    """What a billing ledger row records."""

    CHARGE = "CHARGE"  # money billed now (or on effective_at), e.g. a prorated seat purchase
    SCHEDULED = "SCHEDULED"  # a change that takes effect at a later instant, amount 0 now
    CREDIT = "CREDIT"  # money given back
    INVOICE = "INVOICE"  # the renewal invoice issued at a period boundary


class BillingItem(StrEnum):
    """What a billing ledger row is for."""

    SEATS = "SEATS"  # billable seats (bought, renewed, removed)
    CONTACT_TIER = "CONTACT_TIER"  # the marketing-contact tier (upgrades, renewal)


class ClosureKind(StrEnum):
    PORTFOLIO = "PORTFOLIO"
    ACCOUNT = "ACCOUNT"


class UserTokenPurpose(StrEnum):
    """What a single-use emailed token lets its holder do (see ``resolvers/invitations.py``)."""

    INVITATION = "INVITATION"
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105 (a purpose, not a secret)


class UserTokenState(StrEnum):
    """Stored state of an emailed token; "expired" is derived from ``expires_at``."""

    PENDING = "PENDING"
    USED = "USED"
    REVOKED = "REVOKED"


class InvitationStatus(StrEnum):
    """An invitation as the API shows it."""

    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class OutboxStatus(StrEnum):
    PENDING = "PENDING"  # waiting for (another) delivery attempt
    SENDING = "SENDING"  # claimed by a sender until its lease ends
    SENT = "SENT"
    FAILED = "FAILED"  # gave up after the last retry
