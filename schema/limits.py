"""Per-request abuse limits: depth, aliases and estimated cost (tokens are capped at parse time).

The cost model follows public GraphQL APIs: every field costs 1; a field with a ``first``
argument (a connection) multiplies the cost of what is selected under it by ``first`` (the
default page size when absent). Cost and limit are reported in ``extensions.cost`` of every
response; an operation over any limit is refused before execution with
``extensions.code = "QUERY_LIMIT_EXCEEDED"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
)
from strawberry.extensions import SchemaExtension

LIMIT_EXCEEDED = "QUERY_LIMIT_EXCEEDED"


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_cost: int = 50_000
    max_tokens: int = 5_000
    default_page_size: int = 50
    #: Fields that take ``first`` (``paginated_fields`` of the built schema).
    paginated: frozenset[str] = frozenset()


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
    ) -> None:
        self.paginated = paginated
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
                if selection.name.value.startswith("__"):
                    continue  # introspection is bounded by the schema itself
                if selection.alias is not None:
                    self.aliases += 1
                children = self.cost(selection.selection_set, depth + 1)
                total += 1 + self._multiplier(selection) * children
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, depth)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self.cost(fragment.selection_set, depth)
        return total

    def _multiplier(self, field: FieldNode) -> int:
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
) -> QueryMeasure:
    walker = _Walker(fragments, _with_defaults(operation, variables), default_page_size, paginated)
    cost = walker.cost(operation.selection_set, 1)
    return QueryMeasure(depth=walker.max_depth, aliases=walker.aliases, cost=cost)


def _refusal(message: str, **extra: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": LIMIT_EXCEEDED, **extra})


class QueryLimitsExtension(SchemaExtension):
    """Built per request (pass a factory to the schema): it keeps the request's measure."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self.measured: QueryMeasure | None = None

    def on_operation(self) -> Iterator[None]:
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
        return measure(
            operations[0],
            fragments,
            context.variables or {},
            self.limits.default_page_size,
            self.limits.paginated,
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
