"""Rate limits of the sign-in mails (resend invitation, password reset requests).

One call site, ``throttle_check``, over the login throttle (``resolvers/throttle.py``): each call
counts as an attempt under ``scope:key``; past the scope's free attempts every further one must
wait twice as long as the one before. Kept this small so the throttle's storage can change
(e.g. move into the database) without touching the callers.
"""

from __future__ import annotations

import math

from resolvers.context import RequestContext
from resolvers.errors import RATE_LIMITED, request_error
from resolvers.throttle import ThrottlePolicy

#: Free attempts per scope within the throttle's memory window (15 minutes).
POLICIES: dict[str, ThrottlePolicy] = {
    "invitation.resend": ThrottlePolicy(free_failures=3),
    "password_reset.email": ThrottlePolicy(free_failures=3),
    "password_reset.address": ThrottlePolicy(free_failures=20),
}


def throttle_check(ctx: RequestContext, scope: str, key: str) -> None:
    """Count one attempt, or refuse with a ``RATE_LIMITED`` GraphQL error while blocked."""
    keys = {f"{scope}:{key}": POLICIES[scope]}
    throttle = ctx.services.login_throttle
    wait = throttle.wait_for(keys, ctx.now)
    if wait is not None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        raise request_error(
            RATE_LIMITED,
            f"Too many requests. Try again in {seconds} seconds.",
            extra={"retryAfter": seconds},
        )
    throttle.failed(keys, ctx.now)
