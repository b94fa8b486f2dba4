"""Rate limits of the sign-in mails (resend invitation, password reset requests) and of
password changes (a stolen session must not test guesses of the current password).

One call site, ``throttle_check``, over the shared database throttle (``resolvers/throttle.py``):
each call reserves an attempt under its scope and key; past the scope's free attempts every
further one must wait twice as long as the one before. Every worker and host counts alike.
"""

from __future__ import annotations

import math

from resolvers import throttle
from resolvers.context import RequestContext
from resolvers.errors import RATE_LIMITED, request_error

#: Free attempts per scope within the throttle's memory window (15 minutes).
POLICIES: dict[str, throttle.ThrottlePolicy] = {
    "invitation.resend": throttle.ThrottlePolicy(free_failures=3),
    "password.change": throttle.ThrottlePolicy(free_failures=5),
    "password_reset.email": throttle.ThrottlePolicy(free_failures=3),
    "password_reset.address": throttle.ThrottlePolicy(free_failures=20),
}


async def throttle_check(ctx: RequestContext, scope: str, key: str) -> None:
    """Count one attempt, or refuse with a ``RATE_LIMITED`` GraphQL error while blocked.

    The attempt is reserved in its own short transaction, so it counts even when the request
    that follows is refused (and a refused attempt is rolled back: it lengthens no wait).
    """
    keys = [throttle.ThrottleKey(scope, key, POLICIES[scope])]
    try:
        async with ctx.db.write() as session:
            await throttle.reserve(session, scope, keys, ctx.now)
    except throttle.Throttled as refused:
        seconds = max(1, math.ceil(refused.retry_after.total_seconds()))
        raise request_error(
            RATE_LIMITED,
            f"Too many requests. Try again in {seconds} seconds.",
            extra={"retryAfter": seconds},
        ) from None
