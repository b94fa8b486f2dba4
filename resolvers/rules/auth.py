"""Password and emailed-token rules (SPEC "Tenancy and identity", "Signing in").

Pure functions: no I/O beyond reading the shipped list of common passwords once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from db.enums import InvitationStatus, UserTokenState

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
INVITATION_TTL = timedelta(days=7)
PASSWORD_RESET_TTL = timedelta(hours=1)

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, email: str | None) -> str | None:
    """Why this password is refused for the user with this email, or ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return "This password is too common: choose one that is harder to guess."
    if email:
        address = email.strip().lower()
        local_part = address.partition("@")[0]
        if address in lowered or (len(local_part) >= 3 and local_part in lowered):
            return "The password must not contain your email address."
    return None


def invitation_status(
    state: UserTokenState, expires_at: datetime, now: datetime
) -> InvitationStatus:
    if state is UserTokenState.USED:
        return InvitationStatus.ACCEPTED
    if state is UserTokenState.REVOKED:
        return InvitationStatus.REVOKED
    return InvitationStatus.PENDING if expires_at > now else InvitationStatus.EXPIRED


def next_attempt_delay(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential back-off after the ``attempts``-th failed delivery: base, 2*base, 4*base..."""
    delay: timedelta = base * 2 ** max(0, attempts - 1)
    return min(delay, cap)
