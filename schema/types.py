"""Types reachable only through interfaces (``node``) must be registered explicitly."""

from __future__ import annotations

from schema.accounts import Account
from schema.audit import AuditEvent
from schema.contacts import Contact
from schema.deals import Deal
from schema.portfolios import Portfolio
from schema.seats import Seat
from schema.users import User

EXTRA_TYPES: list[type] = [Account, AuditEvent, Contact, Deal, Portfolio, Seat, User]
