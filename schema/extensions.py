"""Schema extensions: error masking with request ids, codes for malformed requests, and the
mutation pipeline (``mutation``: business refusals become ``userErrors``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, cast

import strawberry
from graphql import DocumentNode, ExecutionResult, GraphQLError, Node, StringValueNode
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from observability import current_stats
from resolvers.context import RequestContext
from resolvers.errors import BusinessError, request_error
from schema.common import user_errors
from schema.documents import DocumentStore

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

#: graphql-core's parser refuses a lone surrogate (raw or escaped) or a NUL outside a block
#: string itself, before ``RejectNulCharacters`` can look: the same text, the same answer.
_UNSTORABLE_IN_SYNTAX_ERROR = re.compile(
    r"U\+(?:D[89A-F][0-9A-F]{2}|0000)\b|escape sequence: '\\u\{?0*(?:D[89A-F][0-9A-F]{2}|0)\}?'",
    re.IGNORECASE,
)

#: How graphql-core words its own limits: the token cap, the parser's nesting cap, and the
#: validation rule that bounds introspection depth.
_LIMIT_SIGNS = (
    "tokens. Parsing aborted",
    "nested too deeply",
    "Maximum introspection depth exceeded",
)


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
        # graphql-core says which limit it enforced only in its message.
        if any(sign in error.message for sign in _LIMIT_SIGNS):
            return "QUERY_LIMIT_EXCEEDED"
        if self.execution_context.graphql_document is None:
            if error.message.startswith("Syntax Error") and _UNSTORABLE_IN_SYNTAX_ERROR.search(
                error.message
            ):
                return "INVALID_INPUT"
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


#: What no text input may contain: NUL (PostgreSQL cannot store it, SQLite would) and lone
#: UTF-16 surrogates (not characters: no driver can encode them). JSON escapes ("\\ud800") and
#: GraphQL escapes ("\\u{0}") have been decoded by the time values are checked, so raw and
#: escaped forms are caught alike.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def has_unstorable_text(value: object) -> bool:
    """Whether ``value`` (a variable value: str, number, list, dict) holds unstorable text."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(has_unstorable_text(k) or has_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_unstorable_text(v) for v in value)
    return False


class RejectNulCharacters(SchemaExtension):
    """Text that cannot be stored (NUL, lone surrogates) is refused before anything runs, in
    every string of the document (literals, block strings, ids) and every variable, with
    ``INVALID_INPUT``: one check, so no argument is forgotten and no driver sees such text."""

    def __init__(self, documents: DocumentStore) -> None:
        #: Where a repeated document's answer is kept (it depends on the document alone).
        self.documents = documents

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        in_document = document is not None and self.documents.fact(document, holds_unstorable_text)
        if in_document or has_unstorable_text(context.variables or {}):
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "Text inputs cannot contain the NUL character (\\u0000) or unpaired "
                        "surrogates (\\ud800-\\udfff).",
                        extensions={"code": "INVALID_INPUT"},
                    )
                ],
            )
        yield


def holds_unstorable_text(document: DocumentNode) -> bool:
    """Whether a string of the document (literal, block string, id) holds unstorable text."""
    return any(
        isinstance(node, StringValueNode) and _UNSTORABLE.search(node.value) is not None
        for node in _walk(document)
    )


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


def mutation(extras: ErrorExtras | None = None, *, description: str | None = None) -> Any:
    """``@strawberry.mutation`` with the pipeline: use it for every mutation with ``userErrors``."""
    return strawberry.mutation(
        extensions=[BusinessErrorsAsUserErrors(extras)], description=description
    )


def refusable_query(field: Sequence[str] | None = None, *, description: str | None = None) -> Any:
    """``@strawberry.field`` for a query whose service may refuse (FORBIDDEN, NOT_FOUND, ...)."""
    return strawberry.field(
        extensions=[BusinessErrorsAsRequestErrors(field)], description=description
    )
