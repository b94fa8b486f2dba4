"""Login throttling: repeated failures slow down, per email and per client address.

Each key (an email, an address) may fail a few times freely; after that every further failure
doubles the wait before the next attempt is even looked at (capped). A success clears the
email's record. State is in memory, per process: behind several workers, each throttles alone
(documented in the README).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class _Record:
    failures: int
    last_failure: datetime
    blocked_until: datetime | None


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    max_delay: timedelta = timedelta(minutes=5)
    forget_after: timedelta = timedelta(minutes=15)


EMAIL_POLICY = ThrottlePolicy(free_failures=3)
ADDRESS_POLICY = ThrottlePolicy(free_failures=20)


class LoginThrottle:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._max_keys = max_keys

    def wait_for(self, keys: dict[str, ThrottlePolicy], now: datetime) -> timedelta | None:
        """How long the caller must still wait, or ``None`` when it may try now."""
        waits = []
        for key, policy in keys.items():
            record = self._current(key, policy, now)
            if record and record.blocked_until and record.blocked_until > now:
                waits.append(record.blocked_until - now)
        return max(waits) if waits else None

    def failed(self, keys: dict[str, ThrottlePolicy], now: datetime) -> None:
        for key, policy in keys.items():
            record = self._current(key, policy, now) or _Record(0, now, None)
            record.failures += 1
            record.last_failure = now
            excess = record.failures - policy.free_failures
            if excess > 0:
                delay = min(timedelta(seconds=2 ** (excess - 1)), policy.max_delay)
                record.blocked_until = now + delay
            self._records[key] = record
            self._records.move_to_end(key)
        while len(self._records) > self._max_keys:
            self._records.popitem(last=False)

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def _current(self, key: str, policy: ThrottlePolicy, now: datetime) -> _Record | None:
        record = self._records.get(key)
        if record is not None and now - record.last_failure > policy.forget_after:
            del self._records[key]
            return None
        return record


def login_keys(email: str, client_address: str | None) -> dict[str, ThrottlePolicy]:
    keys = {f"email:{email.strip().lower()}": EMAIL_POLICY}
    if client_address:
        keys[f"address:{client_address}"] = ADDRESS_POLICY
    return keys
