"""Parse and validate each document once.

Clients send the same few documents again and again. ``DocumentCache`` keeps the parsed
document per query text and its validation errors per (document, rules): a repeated request
reuses the very same ``DocumentNode``, which is also what lets ``schema/executor.py`` keep its
plans per document.

Why not Strawberry's ``ParserCache``/``ValidationCache``: ``ParserCache`` parses inside its own
hook, so a syntax error escapes the operation hooks and reaches the client without an error
code; and ``ValidationCache`` keys its LRU on the document, whose dataclass hash walks the whole
tree on every request. Here a miss lets Strawberry parse as usual (errors handled as always) and
the result is stored afterwards; validation is keyed by the document's identity.

Only parse, validation and checks of the document alone (``DocumentStore.fact``: the unstorable
text check of ``schema/extensions.py``) are cached: what depends on the request (variables, the
query limits of ``schema/limits.py``, which run at ``on_execute``) still runs on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

DEFAULT_MAXSIZE = 256

T = TypeVar("T")


@dataclass
class _Entry:
    document: DocumentNode
    #: Validation errors per (schema, rules) the document was validated with.
    validated: dict[tuple[int, tuple[Any, ...]], tuple[Any, list[GraphQLError]]] = field(
        default_factory=dict
    )
    #: What other checks worked out from the document alone, by check (``DocumentStore.fact``).
    facts: dict[Callable[[DocumentNode], Any], Any] = field(default_factory=dict)


class DocumentStore:
    """A bounded LRU of parsed documents, shared by every request of a schema."""

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE) -> None:
        self.maxsize = maxsize
        self._by_text: OrderedDict[tuple[str, int | None], _Entry] = OrderedDict()
        self._by_document: dict[int, _Entry] = {}

    def get(self, query: str, max_tokens: int | None) -> DocumentNode | None:
        entry = self._by_text.get((query, max_tokens))
        if entry is None:
            return None
        self._by_text.move_to_end((query, max_tokens))
        return entry.document

    def put(self, query: str, max_tokens: int | None, document: DocumentNode) -> None:
        key = (query, max_tokens)
        if key in self._by_text:
            return
        entry = _Entry(document)
        self._by_text[key] = entry
        self._by_document[id(document)] = entry
        if len(self._by_text) > self.maxsize:
            _, evicted = self._by_text.popitem(last=False)
            self._by_document.pop(id(evicted.document), None)

    def entry_of(self, document: DocumentNode) -> _Entry | None:
        entry = self._by_document.get(id(document))
        return entry if entry is not None and entry.document is document else None

    def fact(self, document: DocumentNode, check: Callable[[DocumentNode], T]) -> T:
        """``check(document)``, worked out once for a stored document (it may depend on the
        document alone: not on variables, the viewer or the time)."""
        entry = self.entry_of(document)
        if entry is None:
            return check(document)
        if check not in entry.facts:
            entry.facts[check] = check(document)
        return entry.facts[check]  # type: ignore[no-any-return]


class DocumentCache(SchemaExtension):
    """Built per request with the schema's shared ``DocumentStore``."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        max_tokens = context.parse_options.get("max_tokens")
        if query and context.graphql_document is None:
            context.graphql_document = self.store.get(query, max_tokens)
        yield
        document = context.graphql_document
        if query and document is not None:
            self.store.put(query, max_tokens, document)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        entry = self.store.entry_of(document) if document is not None else None
        if entry is not None:
            schema = context.schema._schema
            key = (id(schema), tuple(context.validation_rules))
            cached = entry.validated.get(key)
            if cached is None or cached[0] is not schema:
                cached = (schema, validate_document(schema, entry.document, key[1]))
                entry.validated[key] = cached
            # A copy: extensions may replace items of the request's error list.
            context.pre_execution_errors = list(cached[1])
        yield
