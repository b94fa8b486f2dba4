"""Opaque global ids (``Type:pk``, base64url) and page cursors.

Ids are typed: decoding with an expected type returns ``None`` for an id of another type, so a
``User`` id passed where a ``Contact`` id is expected behaves exactly like an unknown id.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re

_CURSOR_PREFIX = "cursor:"
#: The one spelling of a key: ASCII digits, no sign, no leading zero, at most 18 digits (fits a
#: 64-bit integer). ``str.isdigit`` and ``int`` accept "²", "٣", " 3", "+3" and "03": an id must
#: have exactly one spelling, so none of those name a row.
_CANONICAL_KEY = re.compile(r"[1-9][0-9]{0,17}")
#: Base64url without padding, the only alphabet our ids and cursors are written in.
_OPAQUE = re.compile(r"[A-Za-z0-9_-]{1,200}")


def _b64encode(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _b64decode(value: str) -> str | None:
    if not isinstance(value, str) or _OPAQUE.fullmatch(value) is None:
        return None
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    # Exactly one encoding per id: re-encoding must give back what was sent.
    return raw if _b64encode(raw) == value else None


def parse_key(text: str) -> int | None:
    """A primary key in its canonical spelling, else ``None``."""
    return int(text) if _CANONICAL_KEY.fullmatch(text) else None


#: How many encoded ids (and, apart, cursors) are remembered: a page names up to a few hundred
#: objects, often the same ones as the page before (an id is a pure function of type and key).
#: About 200 bytes each: a bound of under 2 MB per process.
ENCODED_REMEMBERED = 8192


@functools.lru_cache(maxsize=ENCODED_REMEMBERED, typed=True)  # typed: True is not the key 1
def encode_global_id(type_name: str, pk: int) -> str:
    return _b64encode(f"{type_name}:{pk}")


def decode_global_id(global_id: str) -> tuple[str, int] | None:
    """``(type_name, pk)``, or ``None`` when the id is not one of ours."""
    raw = _b64decode(global_id)
    if raw is None or raw.count(":") != 1:
        return None
    type_name, _, pk_text = raw.partition(":")
    pk = parse_key(pk_text)
    if not type_name or pk is None:
        return None
    return type_name, pk


def decode_typed_id(global_id: str, expected_type: str) -> int | None:
    decoded = decode_global_id(global_id)
    if decoded is None or decoded[0] != expected_type:
        return None
    return decoded[1]


@functools.lru_cache(maxsize=ENCODED_REMEMBERED, typed=True)
def encode_cursor(pk: int) -> str:
    return _b64encode(f"{_CURSOR_PREFIX}{pk}")


def decode_cursor(cursor: str) -> int | None:
    raw = _b64decode(cursor)
    if raw is None or not raw.startswith(_CURSOR_PREFIX):
        return None
    return parse_key(raw.removeprefix(_CURSOR_PREFIX))
