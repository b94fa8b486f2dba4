"""Safe parsing of GraphQL HTTP request bodies.

Whatever arrives (``"hello"``, ``null``, a number, invalid UTF-8, an array nested 100 000 deep,
a body of the wrong content type) is either a well-formed GraphQL request or a
``MalformedRequest``, answered 400 with a JSON GraphQL error (``BAD_REQUEST``), never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

BAD_REQUEST = "BAD_REQUEST"
#: Deepest JSON nesting accepted in a body: GraphQL variables never need more, and deeper input
#: would only cost recursion further down (coercion, checks).
MAX_JSON_DEPTH = 64


class MalformedRequest(Exception):
    """The HTTP request is not a GraphQL request; ``message`` is safe to show the caller."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def decode_json(data: str | bytes) -> object:
    """``json.loads`` that fails only with ``MalformedRequest``: strict UTF-8, bounded depth."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text, parse_constant=_not_json)
    except UnicodeDecodeError as error:
        raise MalformedRequest("The request body is not valid UTF-8.") from error
    except RecursionError as error:
        raise MalformedRequest("The request body is nested too deeply.") from error
    except ValueError as error:  # JSONDecodeError and friends
        raise MalformedRequest("The request body is not valid JSON.") from error
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise MalformedRequest(f"JSON values may be nested at most {MAX_JSON_DEPTH} levels deep.")
    return value


def _not_json(constant: str) -> object:
    """``NaN`` and ``Infinity`` are Python's extensions, not JSON."""
    raise ValueError(f"{constant} is not JSON")


def _depth_exceeds(value: object, limit: int) -> bool:
    """Iterative, so the check itself cannot overflow the stack."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_operation(data: object) -> None:
    """One operation of a request: an object with a string query and an object of variables."""
    if not isinstance(data, dict):
        raise MalformedRequest(
            'A GraphQL request is a JSON object: {"query": "...", "variables": {...}}.'
        )
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise MalformedRequest("The request has no GraphQL query (a non-empty string).")
    if not isinstance(data.get("variables"), dict | None):
        raise MalformedRequest("'variables' must be a JSON object when given.")
    if not isinstance(data.get("operationName"), str | None):
        raise MalformedRequest("'operationName' must be a string when given.")
    if not isinstance(data.get("extensions"), dict | None):
        raise MalformedRequest("'extensions' must be a JSON object when given.")


def check_request(data: object) -> None:
    """A single operation, or a batch (a list of them; whether batches are allowed and how
    large is decided by the view afterwards)."""
    if isinstance(data, list):
        if not data:
            raise MalformedRequest("An empty batch has nothing to run.")
        for item in data:
            check_operation(item)
    else:
        check_operation(data)


async def malformed_request_response(_request: Request, exc: Exception) -> Response:
    """The JSON answer to a ``MalformedRequest`` (a GraphQL error, status 400)."""
    message = exc.message if isinstance(exc, MalformedRequest) else "Malformed request."
    status = exc.status_code if isinstance(exc, MalformedRequest) else 400
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": BAD_REQUEST}}]}, status_code=status
    )
