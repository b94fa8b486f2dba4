"""Schema extensions: error masking with request ids, codes for malformed requests, and the
mutation pipeline (``mutation``: business refusals become ``userErrors``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, cast

import strawberry
from graphql import ExecutionResult, GraphQLError, Node, StringValueNode
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from observability import current_stats
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, request_error
from schema.common import user_errors

logger = logging.getLogger("crm_admin.errors")

INTERNAL_ERROR_MESSAGE = "Something went wrong on our side. Quote the request id when reporting it."


def _is_expected(error: GraphQLError) -> bool:
    """Errors we raised on purpose carry a code; graphql-core's own errors have no original."""
    if error.extensions and "code" in error.extensions:
        return True
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


class RecordOperationName(SchemaExtension):
    """Hands the operation name to the request's log line and metrics."""

    def on_operation(self) -> Iterator[None]:
        yield
        stats = current_stats.get()
        if stats is not None:
            context = self.execution_context
            name = context.operation_name
            if name is None and context.graphql_document is not None:
                try:
                    name = f"anonymous {context.operation_type.value}"
                except Exception:
                    name = None
            stats.operation_name = (name or "-")[:64]


class MaskUnexpectedErrors(SchemaExtension):
    """Unexpected exceptions reach the client as a masked message plus the request id; the log
    line keeps the request id, the operation name, the viewer and the traceback. Errors without a
    code are malformed requests, coded by the step that refused them (Apollo's codes):
    ``GRAPHQL_PARSE_FAILED``, ``GRAPHQL_VALIDATION_FAILED``, else ``BAD_REQUEST`` (variables)."""

    #: What validation refused (built per request: the schema takes the class).
    validation_errors: tuple[GraphQLError, ...] = ()

    def on_validate(self) -> Iterator[None]:
        yield
        self.validation_errors = tuple(self.execution_context.pre_execution_errors or ())

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if not result or not result.errors:
            return
        context: Any = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        result.errors = [self._process(error, context, request_id) for error in result.errors]

    def _code_of(self, error: GraphQLError) -> str:
        if self.execution_context.graphql_document is None:
            # graphql-core's parser enforces the token cap and says so only in its message.
            if "tokens. Parsing aborted" in error.message:
                return "QUERY_LIMIT_EXCEEDED"
            return PARSE_FAILED
        if any(error is refused for refused in self.validation_errors):
            return VALIDATION_FAILED
        return "BAD_REQUEST"

    def _process(self, error: GraphQLError, context: Any, request_id: str | None) -> GraphQLError:
        if _is_expected(error):
            if not error.extensions or "code" not in error.extensions:
                error.extensions = {**(error.extensions or {}), "code": self._code_of(error)}
            return error
        viewer = getattr(context, "viewer_or_none", None)
        logger.error(
            "unexpected error request_id=%s operation=%s viewer=%s path=%s",
            request_id,
            self.execution_context.operation_name,
            getattr(viewer, "user_id", None),
            error.path,
            exc_info=error.original_error,
        )
        return GraphQLError(
            INTERNAL_ERROR_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class RejectNulCharacters(SchemaExtension):
    """Text with a NUL character cannot be stored by PostgreSQL (SQLite would take it), so it
    is refused up front, for every argument of every field, with ``INVALID_INPUT``."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # A NUL reaches a string literal only through a unicode escape (\u0000, \u{0}): walk
        # the document only when its text has an escape at all.
        literals = (
            document is not None
            and "\\u" in (context.query or "")
            and any(
                isinstance(node, StringValueNode) and "\x00" in node.value
                for node in _walk(document)
            )
        )
        if literals or _has_nul(context.variables or {}):
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "Text inputs cannot contain the NUL character (\\u0000).",
                        extensions={"code": "INVALID_INPUT"},
                    )
                ],
            )
        yield


def _walk(node: Node) -> Iterator[Node]:
    """Every AST node below ``node`` (documents are small: the token limit bounds them)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for key in current.keys:
            child = getattr(current, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple | list):
                stack.extend(item for item in child if isinstance(item, Node))


# --------------------------------------------------------------------------- the mutation pipeline

#: What a payload carries besides ``userErrors`` when a mutation is refused (e.g. the preview of
#: the seat the caller did not agree to buy). Given the error and the request context.
ErrorExtras = Callable[[BusinessError, RequestContext], Awaitable[dict[str, Any]]]


class BusinessErrorsAsUserErrors(FieldExtension):
    """The one place a mutation's ``BusinessError`` becomes data: its payload with ``userErrors``.

    The service rolled its transaction back before the error got here, so nothing changed. The
    payload type is the field's own return type; every other payload field keeps its default,
    except what ``extras`` adds.
    """

    def __init__(self, extras: ErrorExtras | None = None) -> None:
        self.extras = extras

    def apply(self, field: StrawberryField) -> None:
        self.field = field

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except BusinessError as error:
            payload = cast(Callable[..., Any], self.field.type)
            extra = await self.extras(error, info.context) if self.extras else {}
            return payload(user_errors=user_errors(error.errors), **extra)


class BusinessErrorsAsRequestErrors(FieldExtension):
    """Queries have no ``userErrors``: a refusal becomes a GraphQL error with ``extensions.code``
    (the first error's code, message and field; ``field`` overrides the path when given)."""

    def __init__(self, field: Sequence[str] | None = None) -> None:
        self.path = field

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except BusinessError as error:
            first = error.errors[0]
            path = self.path if self.path is not None else first.field
            raise request_error(first.code, first.message, field=path) from error


def mutation(extras: ErrorExtras | None = None) -> Any:
    """``@strawberry.mutation`` with the pipeline: use it for every mutation with ``userErrors``."""
    return strawberry.mutation(extensions=[BusinessErrorsAsUserErrors(extras)])


def refusable_query(field: Sequence[str] | None = None) -> Any:
    """``@strawberry.field`` for a query whose service may refuse (FORBIDDEN, NOT_FOUND, ...)."""
    return strawberry.field(extensions=[BusinessErrorsAsRequestErrors(field)])
