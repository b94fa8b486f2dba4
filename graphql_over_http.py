"""GraphQL over HTTP: which media type a client gets, and which results are request errors.

A client that asks for ``application/graphql-response+json`` gets it, and a request error (the
document could not be parsed or validated, its variables not coerced, or a limit refused it)
answers with status 400 and no ``data`` entry, as the GraphQL-over-HTTP specification says.
``application/json`` (and any client that does not ask) keeps the legacy behaviour: status 200
with ``"data": null``.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"
JSON_MEDIA_TYPE = "application/json"
_SERVED = (GRAPHQL_RESPONSE_MEDIA_TYPE, JSON_MEDIA_TYPE)


def prefers_graphql_response(accept: str | None) -> bool:
    """True when ``accept`` ranks ``application/graphql-response+json`` above JSON.

    The highest ``q`` wins; on a tie the type listed first. Wildcards and a missing header mean
    JSON, as before.
    """
    best: tuple[float, int, str] | None = None
    for position, media_range in enumerate((accept or "").split(",")):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        if media_type.lower() not in _SERVED:
            continue
        quality = _quality(parameters)
        candidate = (quality, -position, media_type.lower())
        if quality > 0 and (best is None or candidate > best):
            best = candidate
    return best is not None and best[2] == GRAPHQL_RESPONSE_MEDIA_TYPE


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def is_request_error(result: ExecutionResult) -> bool:
    """Refused before any field ran: no data, and no error belongs to a field (``path``).

    A masked unexpected failure is the server's fault, not the request's.
    """
    errors: list[GraphQLError] = list(result.errors or [])
    return (
        result.data is None
        and bool(errors)
        and all(
            error.path is None and (error.extensions or {}).get("code") != "INTERNAL_SERVER_ERROR"
            for error in errors
        )
    )
