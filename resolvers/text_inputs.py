"""Limits on free-text inputs that reach SQL (search terms)."""

from __future__ import annotations

from collections.abc import Sequence

from resolvers.errors import ErrorCode, request_error

#: Longest search term accepted (characters). Longer terms are refused with ``INVALID_INPUT``:
#: nobody types them, and a very long LIKE pattern is refused by SQLite ("LIKE or GLOB pattern
#: too complex") and costs every row a long comparison on PostgreSQL.
MAX_SEARCH_LENGTH = 200


def search_needle(term: str, field: Sequence[str] = ("filter", "search")) -> str:
    """The term as matched (trimmed, lower-cased); ``INVALID_INPUT`` when it is too long."""
    needle = term.strip()
    if len(needle) > MAX_SEARCH_LENGTH:
        raise request_error(
            ErrorCode.INVALID_INPUT,
            f"Search terms can be at most {MAX_SEARCH_LENGTH} characters long.",
            field=field,
        )
    return needle.lower()
