"""Opaque global ids (``Type:pk``, base64url) and page cursors.

Ids are typed: decoding with an expected type returns ``None`` for an id of another type, so a
``User`` id passed where a ``Contact`` id is expected behaves exactly like an unknown id.
"""

from __future__ import annotations

import base64
import binascii

_CURSOR_PREFIX = "cursor:"


def _b64encode(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _b64decode(value: str) -> str | None:
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None


def encode_global_id(type_name: str, pk: int) -> str:
    return _b64encode(f"{type_name}:{pk}")


def decode_global_id(global_id: str) -> tuple[str, int] | None:
    """``(type_name, pk)``, or ``None`` when the id is not one of ours."""
    raw = _b64decode(global_id)
    if raw is None or raw.count(":") != 1:
        return None
    type_name, _, pk_text = raw.partition(":")
    if not type_name or not pk_text.isdigit() or len(pk_text) > 18:
        return None
    return type_name, int(pk_text)


def decode_typed_id(global_id: str, expected_type: str) -> int | None:
    decoded = decode_global_id(global_id)
    if decoded is None or decoded[0] != expected_type:
        return None
    return decoded[1]


def encode_cursor(pk: int) -> str:
    return _b64encode(f"{_CURSOR_PREFIX}{pk}")


def decode_cursor(cursor: str) -> int | None:
    raw = _b64decode(cursor)
    if raw is None or not raw.startswith(_CURSOR_PREFIX):
        return None
    pk_text = raw.removeprefix(_CURSOR_PREFIX)
    if not pk_text.isdigit() or len(pk_text) > 18:
        return None
    return int(pk_text)
