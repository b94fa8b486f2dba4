"""Typed SQLAlchemy models for every table of the product.

Conventions (see STYLE.md): every table that holds account data carries ``account_id``;
relationships are ``lazy="raise"`` so no query hides behind an attribute; money is a
``ScaledDecimal`` of cents beside a currency code; datetimes are aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.enums import (
    BillingItem,
    ClosureKind,
    ContactSource,
    LedgerEntryKind,
    MarketingStatus,
    OutboxStatus,
    PortfolioExportKind,
    PortfolioLinkStatus,
    Role,
    SeatStatus,
    UserStatus,
    UserTokenPurpose,
    UserTokenState,
)
from db.types import ScaledDecimal, StoredEnum, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit keys on PostgreSQL; on SQLite only ``INTEGER PRIMARY KEY`` is the fast rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _enum(enum_cls: type) -> StoredEnum:
    # Stored as plain strings: portable, and new values need no ALTER TYPE.
    return StoredEnum(enum_cls, native_enum=False, length=32, validate_strings=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When the full export (zip of every entity) was last taken; closing needs it.
    full_export_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: SCIM (README "Connect your identity provider"): may a provisioned user buy a seat, and
    #: does a SCIM deactivation schedule the seat's removal (else the seat stays FREE)?
    scim_can_buy_seats: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    scim_schedules_seat_removal: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are unique among the account's non-deleted users; deletion nulls the email.
        UniqueConstraint("account_id", "email_normalized"),
        # Exactly one owner per account: a partial unique index both databases honour.
        Index(
            "uq_users_account_owner",
            "account_id",
            unique=True,
            sqlite_where=text("is_account_owner"),
            postgresql_where=text("is_account_owner"),
        ),
        Index("ix_users_account_id_status", "account_id", "status"),
        Index("ix_users_email_normalized", "email_normalized"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    email_normalized: Mapped[str | None] = mapped_column(String(320))
    photo_url: Mapped[str | None] = mapped_column(String(1000))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[UserStatus] = mapped_column(_enum(UserStatus))
    role: Mapped[Role] = mapped_column(_enum(Role))
    is_account_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    can_set_marketing_status: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The identity provider's id for the user (SCIM ``externalId``), kept as sent.
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = (Index("ix_seats_account_id_status", "account_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    status: Mapped[SeatStatus] = mapped_column(_enum(SeatStatus))
    #: Unique: one user never occupies two seats, and two seats never hold one user.
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    billed_since: Mapped[datetime] = mapped_column(UTCDateTime())
    removal_effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    seat_price: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Exclusive end of the current period: the next bill date.
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Day of month periods are anchored to (a period starting on the 31st stays on month ends).
    anchor_day: Mapped[int] = mapped_column(Integer)
    #: The current contact tier (its limit); the ladder lives in ``contact_tiers``.
    contact_tier_limit: Mapped[int] = mapped_column(Integer)


class ContactTier(Base):
    """One rung of an account's contact tier ladder."""

    __tablename__ = "contact_tiers"
    __table_args__ = (UniqueConstraint("account_id", "contact_limit"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_limit: Mapped[int] = mapped_column(Integer)
    monthly_price: Mapped[Decimal] = mapped_column(ScaledDecimal(2))


class LedgerEntry(Base):
    """One billing ledger row: every charge, scheduled change, credit and invoice."""

    __tablename__ = "billing_ledger"
    __table_args__ = (
        Index("ix_billing_ledger_account_id_effective_at", "account_id", "effective_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[LedgerEntryKind] = mapped_column(_enum(LedgerEntryKind))
    item: Mapped[BillingItem] = mapped_column(
        _enum(BillingItem), default=BillingItem.SEATS, server_default=BillingItem.SEATS.value
    )
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    currency: Mapped[str] = mapped_column(String(3))
    prorated: Mapped[bool] = mapped_column(Boolean, default=False)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When the row takes effect (billed or applied); a tier upgrade is posted for the next day.
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    #: Groups the rows written by one operation (also the charge id in audit details).
    operation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The audit event of the change that caused the row (and so its actor).
    audit_event_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("audit_events.id", ondelete="SET NULL"), index=True
    )
    audit_event: Mapped[AuditEvent | None] = relationship(lazy="raise")


class IdempotencyRecord(Base):
    """The stored result of a charging mutation, replayed when the same key comes again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(64))
    request_fingerprint: Mapped[str] = mapped_column(String(128))
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_account_id_marketing_status", "account_id", "marketing_status"),
        # An owner's items in id order (the users page's first contacts of each user): the
        # index hands them over in that order, with no sort of all of the owner's items.
        Index("ix_contacts_account_id_owner_id_id", "account_id", "owner_id", "id"),
        Index("ix_contacts_account_id_source", "account_id", "source"),
        Index("ix_contacts_account_id_billed_until", "account_id", "billed_as_marketing_until"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    marketing_status: Mapped[MarketingStatus] = mapped_column(_enum(MarketingStatus))
    source: Mapped[ContactSource] = mapped_column(_enum(ContactSource))
    #: Set when a contact leaves marketing: it stays billed until this instant.
    billed_as_marketing_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactSourceDefault(Base):
    """An account's override of the default marketing status for a contact source."""

    __tablename__ = "contact_source_defaults"
    __table_args__ = (UniqueConstraint("account_id", "source"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    source: Mapped[ContactSource] = mapped_column(_enum(ContactSource))
    marketing_status: Mapped[MarketingStatus] = mapped_column(_enum(MarketingStatus))


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_account_id_owner_id_id", "account_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    value: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_account_id_owner_id", "account_id", "owner_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (Index("ix_organizations_account_id_owner_id", "account_id", "owner_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_account_id_owner_id", "account_id", "owner_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


#: The owned item tables, by the API's item type name (used by reassignment and counts).
OWNED_ITEM_MODELS: dict[str, type[Contact | Deal | Lead | Organization | Activity]] = {
    "DEAL": Deal,
    "CONTACT": Contact,
    "LEAD": Lead,
    "ORGANIZATION": Organization,
    "ACTIVITY": Activity,
}


class AuthSession(Base):
    """A login session. Only the SHA-256 of the bearer token is stored."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_account_id_user_id", "account_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_account_id_action", "account_id", "action"),
        Index("ix_audit_events_account_id_actor_user_id", "account_id", "actor_user_id"),
        Index("ix_audit_events_account_id_target_id", "account_id", "target_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    #: No foreign key: the trail outlives nothing it names, but must not block deletions.
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    #: Set instead of ``actor_user_id`` when an identity provider acted through a SCIM token.
    actor_scim_token_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    #: The global (typed, opaque) id of what the action touched.
    target_id: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: JSON object of the details that matter (seat removed, items moved, charge id, ...).
    details: Mapped[str] = mapped_column(Text)


class Notification(Base):
    """An admin notification, e.g. the contact tier reaching 90 % or 100 % of its limit."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("account_id", "kind", "threshold", "period_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Portfolio(Base):
    __tablename__ = "portfolios"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The account of the portfolio owner: whose users may see the portfolio.
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    owner_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    metric_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Last change of each exportable data set; an export older than this is stale.
    billing_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    metric_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PortfolioAccount(Base):
    __tablename__ = "portfolio_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    #: An account belongs to at most one portfolio.
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PortfolioMetricPoint(Base):
    __tablename__ = "portfolio_metric_points"
    __table_args__ = (
        Index("ix_portfolio_metric_points_portfolio_id_date", "portfolio_id", "date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portfolios.id", ondelete="CASCADE")
    )
    #: The linked account the value is about.
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(ScaledDecimal(4))


class PortfolioBillingRow(Base):
    __tablename__ = "portfolio_billing_rows"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PortfolioExport(Base):
    """When each CSV export of a portfolio was last taken."""

    __tablename__ = "portfolio_exports"
    __table_args__ = (UniqueConstraint("portfolio_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portfolios.id", ondelete="CASCADE")
    )
    kind: Mapped[PortfolioExportKind] = mapped_column(_enum(PortfolioExportKind))
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    exported_by_user_id: Mapped[int | None] = mapped_column(BigId)


class ClosureRecord(Base):
    """What remains of a closed portfolio or account: the reason, for product feedback.

    Deliberately without an ``account_id`` column or foreign keys: it outlives the account.
    """

    __tablename__ = "closure_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[ClosureKind] = mapped_column(_enum(ClosureKind))
    closed_subject_id: Mapped[int] = mapped_column(BigInteger)
    closed_account_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    closed_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(64))
    reason_category: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ThrottleCounter(Base):
    """Failed attempts of one throttle key (``resolvers.throttle``), shared by every process.

    No ``account_id``: a key (an email, a client address) is not yet any account's. The key is
    a digest, so neither emails nor addresses are stored here in clear.
    """

    __tablename__ = "throttle_counters"
    __table_args__ = (Index("ix_throttle_counters_last_failure_at", "last_failure_at"),)

    #: What is throttled: "login", later "password_reset", "invitation"...
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: "<kind>:<sha256 of the value>", e.g. the email or the (address, email) pair.
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserToken(Base):
    """A single-use token mailed to a user: an invitation or a password reset.

    Only the SHA-256 of the token is stored (like sessions). A resend or a new reset request
    revokes the earlier pending token of the same purpose, so at most one is live per user.
    """

    __tablename__ = "user_tokens"
    __table_args__ = (Index("ix_user_tokens_account_id_user_id", "account_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[UserTokenPurpose] = mapped_column(_enum(UserTokenPurpose))
    state: Mapped[UserTokenState] = mapped_column(_enum(UserTokenState))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the mail with the token was queued (the invitation's "sent at").
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """An email written in the same transaction as the change that caused it.

    The sender task (``resolvers/mail.py``) claims due rows with a lease, delivers them and marks
    them sent; a rolled-back change leaves no row, so it sends nothing. The body (which holds a
    link with a raw token) is wiped once the message is delivered.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    #: The recipient user, so erasing a user erases their mail too.
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: While SENDING: the claim's end; a crashed sender's rows are claimable again after it.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))


class ContactPlanSettings(Base):
    """An account's contact tier settings; no row means the defaults (issue 17)."""

    __tablename__ = "contact_plan_settings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    #: When on, nothing moves the account to a higher contact tier (HubSpot "prevent upgrades").
    prevent_tier_upgrades: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether the plan includes marketing contacts at all; without them none may be set.
    marketing_contacts_included: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactUsageDay(Base):
    """One day's marketing and billed-marketing counts of an account, for the usage chart."""

    __tablename__ = "contact_usage_days"
    __table_args__ = (UniqueConstraint("account_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    marketing_contacts: Mapped[int] = mapped_column(Integer)
    billed_marketing_contacts: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PortfolioLinkRequest(Base):
    """The portfolio owner asks to link an account; that account's owner accepts or declines."""

    __tablename__ = "portfolio_link_requests"
    __table_args__ = (
        Index("ix_portfolio_link_requests_account_id_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    #: The account asked to join (its owner decides).
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    requested_by_user_id: Mapped[int | None] = mapped_column(BigId)
    status: Mapped[PortfolioLinkStatus] = mapped_column(_enum(PortfolioLinkStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(BigId)


class ScimToken(Base):
    """An account's SCIM bearer token (``/scim/v2/`` only). Only its SHA-256 is stored."""

    __tablename__ = "scim_tokens"
    __table_args__ = (Index("ix_scim_tokens_account_id", "account_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[int | None] = mapped_column(BigId)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
