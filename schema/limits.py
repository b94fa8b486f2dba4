"""Per-request abuse limits: depth, aliases and estimated cost (tokens are capped at parse time).

The cost model follows public GraphQL APIs: every field costs 1; a field with a ``first``
argument (a connection) multiplies the cost of what is selected under it by ``first`` (the
default page size when absent). Cost and limit are reported in ``extensions.cost`` of every
response; an operation over any limit is refused before execution with
``extensions.code = "QUERY_LIMIT_EXCEEDED"``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_introspection_query,
    parse,
)
from strawberry.extensions import SchemaExtension

LIMIT_EXCEEDED = "QUERY_LIMIT_EXCEEDED"

#: Introspection lists of the whole schema: each multiplies what is selected under it by the
#: schema's count (``introspection_sizes``). The lists of one type (fields, args, ...) are short
#: and count like a single object.
INTROSPECTION_LISTS = frozenset({"types", "directives"})
#: ``ofType`` chains unwrap a type reference (``[User!]!``: three levels at most in practice)
#: and answer ``null`` below that, so they do not deepen a query: GraphiQL's own introspection
#: query nests ``ofType`` nine times.
_TYPE_UNWRAPPING = "ofType"


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_cost: int = 50_000
    max_tokens: int = 5_000
    default_page_size: int = 50
    #: Fields that take ``first`` (``paginated_fields`` of the built schema).
    paginated: frozenset[str] = frozenset()
    #: Multipliers of the introspection list fields (``introspection_sizes`` of the schema).
    introspection_sizes: Mapping[str, int] = field(default_factory=dict)
    #: Cost every request may spend whatever its budget, so that GraphiQL's introspection query
    #: passes on this schema (``with_introspection_allowance``); 0 when introspection is off.
    introspection_allowance: int = 0

    def with_introspection_allowance(self, allowance: int) -> QueryLimits:
        """These limits raised, if need be, to admit a query of cost ``allowance``."""
        return replace(
            self, introspection_allowance=allowance, max_cost=max(self.max_cost, allowance)
        )

    def for_anonymous(self) -> QueryLimits:
        """The tighter budget of a request without a valid token: enough for ``login`` and for
        GraphiQL's own introspection query, not for a flood of aliased ``__schema`` copies."""
        ceiling = max(min(self.max_cost, ANONYMOUS_MAX_COST), self.introspection_allowance)
        return replace(
            self,
            max_aliases=min(self.max_aliases, ANONYMOUS_MAX_ALIASES),
            max_cost=ceiling,
            max_tokens=min(self.max_tokens, ANONYMOUS_MAX_TOKENS),
        )


#: Budget ceilings for unauthenticated requests (documented in the README, "Limits"). The cost
#: ceiling grows with the schema: it always admits GraphiQL's introspection query.
ANONYMOUS_MAX_ALIASES = 5
ANONYMOUS_MAX_COST = 25_000
ANONYMOUS_MAX_TOKENS = 1_000
#: Room above the measured cost of the introspection query, for clients whose query asks a few
#: more fields than graphql-core's. Below 2, so two aliased copies are still refused.
INTROSPECTION_MARGIN = 1.25


@dataclass(frozen=True)
class QueryMeasure:
    depth: int
    aliases: int
    cost: int


class _Walker:
    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        default_page_size: int,
        paginated: frozenset[str],
        introspection_sizes: Mapping[str, int],
    ) -> None:
        self.paginated = paginated
        self.introspection_sizes = introspection_sizes
        self.fragments = fragments
        self.variables = variables
        self.default_page_size = default_page_size
        self.aliases = 0
        self.max_depth = 0

    def cost(self, selection_set: SelectionSetNode | None, depth: int) -> int:
        if selection_set is None:
            return 0
        self.max_depth = max(self.max_depth, depth)
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    self.aliases += 1
                deeper = depth if selection.name.value == _TYPE_UNWRAPPING else depth + 1
                children = self.cost(selection.selection_set, deeper)
                total += 1 + self._multiplier(selection) * children
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, depth)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self.cost(fragment.selection_set, depth)
        return total

    def _multiplier(self, field: FieldNode) -> int:
        name = field.name.value
        if name in INTROSPECTION_LISTS:
            # Introspection answers grow with the schema, not with ``first``.
            return self.introspection_sizes.get(name, 1)
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                return max(int(given), 0) if isinstance(given, int) else self.default_page_size
        # A connection asked without ``first`` still returns a default-size page.
        return self.default_page_size if field.name.value in self.paginated else 1


def introspection_sizes(schema: GraphQLSchema) -> dict[str, int]:
    """How many items the schema-wide introspection lists return."""
    return {"types": len(schema.type_map), "directives": len(schema.directives)}


def introspection_allowance(schema: GraphQLSchema, limits: QueryLimits) -> int:
    """The cost of the costliest variant of graphql-core's introspection query (the one
    GraphiQL sends: every option on) on ``schema``, with ``INTROSPECTION_MARGIN``.

    ``__schema { types }`` multiplies by the number of types, so the cost grows with the
    schema; a fixed anonymous ceiling would lock GraphiQL out once the schema grew past it.
    """
    options = inspect.signature(get_introspection_query).parameters.values()
    every_option = {option.name: True for option in options if isinstance(option.default, bool)}
    variants = [get_introspection_query(), get_introspection_query(**every_option)]
    sizes = introspection_sizes(schema)
    costs = []
    for text in variants:
        document = parse(text)
        operation, *fragment_definitions = document.definitions
        assert isinstance(operation, OperationDefinitionNode)
        fragments = {
            d.name.value: d for d in fragment_definitions if isinstance(d, FragmentDefinitionNode)
        }
        measured = measure(
            operation, fragments, {}, limits.default_page_size, limits.paginated, sizes
        )
        costs.append(measured.cost)
    return math.ceil(max(costs) * INTROSPECTION_MARGIN)


def paginated_fields(schema: GraphQLSchema) -> frozenset[str]:
    """Names of the fields that take a ``first`` argument, on any type."""
    names: set[str] = set()
    for named in schema.type_map.values():
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            names.update(name for name, f in named.fields.items() if "first" in f.args)
    return frozenset(names)


def _with_defaults(
    operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The variables as execution will see them: a variable left out takes its default."""
    effective: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        default = definition.default_value
        if isinstance(default, IntValueNode):
            effective[definition.variable.name.value] = int(default.value)
    effective.update(variables)
    return effective


def measure(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    default_page_size: int,
    paginated: frozenset[str] = frozenset(),
    introspection_sizes: Mapping[str, int] | None = None,
) -> QueryMeasure:
    walker = _Walker(
        fragments,
        _with_defaults(operation, variables),
        default_page_size,
        paginated,
        introspection_sizes or {},
    )
    cost = walker.cost(operation.selection_set, 1)
    return QueryMeasure(depth=walker.max_depth, aliases=walker.aliases, cost=cost)


def _refusal(message: str, **extra: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": LIMIT_EXCEEDED, **extra})


class QueryLimitsExtension(SchemaExtension):
    """Built per request (pass a factory to the schema): it keeps the request's measure."""

    def __init__(self, limits: QueryLimits) -> None:
        self.base_limits = limits
        self.limits = limits
        self.measured: QueryMeasure | None = None

    def on_operation(self) -> Iterator[None]:
        # The request's budget, fixed before parsing (the context, and so the viewer, exists by
        # then): tighter without a valid token, even if the operation itself logs in.
        viewer = getattr(self.execution_context.context, "viewer_or_none", None)
        if viewer is None:
            self.limits = self.base_limits.for_anonymous()
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            self.measured = self._measure(document.definitions)
            error = self._check(self.measured) if self.measured else None
            if error is not None:
                context.result = ExecutionResult(data=None, errors=[error])
        yield

    def _measure(self, definitions: Any) -> QueryMeasure | None:
        context = self.execution_context
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        if context.operation_name:
            wanted = context.operation_name
            operations = [o for o in operations if o.name and o.name.value == wanted]
        if len(operations) != 1:
            return None
        limits = self.limits
        return measure(
            operations[0],
            fragments,
            context.variables or {},
            limits.default_page_size,
            limits.paginated,
            limits.introspection_sizes,
        )

    def _check(self, measured: QueryMeasure) -> GraphQLError | None:
        limits = self.limits
        if measured.depth > limits.max_depth:
            return _refusal(
                f"The query is {measured.depth} levels deep; at most {limits.max_depth} are "
                "allowed.",
                depth=measured.depth,
                limit=limits.max_depth,
            )
        if measured.aliases > limits.max_aliases:
            return _refusal(
                f"The query uses {measured.aliases} aliases; at most {limits.max_aliases} are "
                "allowed.",
                aliases=measured.aliases,
                limit=limits.max_aliases,
            )
        if measured.cost > limits.max_cost:
            return _refusal(
                f"The query's estimated cost is {measured.cost}; at most {limits.max_cost} is "
                "allowed. Ask for smaller pages (first) or fewer nested lists.",
                cost=measured.cost,
                limit=limits.max_cost,
            )
        return None

    def get_results(self) -> dict[str, Any]:
        requested = self.measured.cost if self.measured else None
        return {"cost": {"requested": requested, "limit": self.limits.max_cost}}
