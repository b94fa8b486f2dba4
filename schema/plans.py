"""The plan of a selection: for each response key, how the fast executor completes it.

A ``Plan`` is made once per (document, parent type, grouped field set) and kept with the
document (``schema/executor.py``); its ``Step``s say which fields skip graphql-core's generic
work (attribute fields, declared reads, ``__typename``) and the ``Shape`` of their values.
``schema/completers.py`` turns a plan made only of such steps into one function per object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet

from schema.fast_fields import AttributeResolver
from schema.prefetch import ReadPath, read_path_of

#: Types of attribute values that are neither awaitable nor exceptions: completed inline.
#: Enum classes join the first time one of their members is completed.
PLAIN_TYPES: set[type] = {str, int, float, bool, Decimal, date, datetime}
#: What completed fields mostly are (objects, lists, leaves, null): surely not awaitable.
SYNC_RESULTS = frozenset({dict, list, str, int, float, bool, type(None)})


class Kind(Enum):
    NON_NULL = "non-null"
    LIST = "list"
    LEAF = "leaf"
    OBJECT = "object"


@dataclass(frozen=True, slots=True)
class Shape:
    """How a value of one output type is completed without a resolve info."""

    kind: Kind
    graphql_type: GraphQLOutputType
    inner: Shape | None = None
    is_type_of: Any = None  # Strawberry's generated check, which ignores its info argument

    @property
    def leaf_type(self) -> GraphQLLeafType | None:
        """The leaf type when the whole shape is a (possibly non-null) scalar or enum."""
        shape = self.inner if self.kind is Kind.NON_NULL else self
        if shape is not None and shape.kind is Kind.LEAF:
            return shape.graphql_type  # type: ignore[return-value]
        return None


def _is_strawberry_generated(is_type_of: Any) -> bool:
    # Strawberry gives every type that implements an interface (``Node`` types, so every
    # edge's node) an ``is_type_of`` that only tests the object's class and ignores the info.
    return getattr(is_type_of, "__module__", "") == "strawberry.schema.schema_converter" and (
        getattr(is_type_of, "__qualname__", "").endswith("_get_is_type_of.<locals>.is_type_of")
    )


def shape_of(graphql_type: GraphQLOutputType) -> Shape | None:
    """The shape of a type the fast path completes, or None (graphql-core completes it)."""
    if isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        inner = shape_of(graphql_type.of_type)
        if inner is None:
            return None
        kind = Kind.NON_NULL if isinstance(graphql_type, GraphQLNonNull) else Kind.LIST
        return Shape(kind, graphql_type, inner)
    if is_leaf_type(graphql_type):
        return Shape(Kind.LEAF, graphql_type)
    if isinstance(graphql_type, GraphQLObjectType):
        is_type_of = graphql_type.is_type_of
        if is_type_of is not None and not _is_strawberry_generated(is_type_of):
            return None
        return Shape(Kind.OBJECT, graphql_type, is_type_of=is_type_of)
    return None  # interfaces and unions need their type resolver, which takes the info


def leaf_coercer(leaf_type: GraphQLLeafType) -> Any:
    """The leaf type's ``coerce_output_value``; for a Strawberry enum, remembered per member.

    Strawberry's enum coercion walks every value of the enum comparing values, for each leaf;
    a member's name does not change, so each member of the enum's own class is coerced once
    per planned step (a step lives with its document's plans, or its request's when
    directives use variables); anything else, and any failure, takes the coercion every time.
    The enum's members count as plain values from now on (``PLAIN_TYPES``): completed inline,
    also by the first request's compiled plans."""
    coerce = leaf_type.coerce_output_value
    members_of = getattr(leaf_type, "wrapped_cls", None)
    if not isinstance(leaf_type, GraphQLEnumType) or members_of is None:
        return coerce
    PLAIN_TYPES.add(members_of)
    names: dict[Any, Any] = {}

    def coerce_member(value: Any) -> Any:
        if type(value) is not members_of:
            return coerce(value)
        name = names.get(value)
        if name is None:
            name = names[value] = coerce(value)
        return name

    return coerce_member


class _NotYet:
    __slots__ = ()


#: ``Plan.compiled`` before the plan was first compiled.
NOT_YET: Any = _NotYet()


@dataclass(frozen=True, slots=True)
class Step:
    """One response key of a planned selection."""

    response_name: str
    field_details_list: FieldDetailsList
    #: ``getattr`` name of an attribute field; None for ``__typename`` and normal fields.
    attribute: str | None = None
    shape: Shape | None = None
    leaf_type: GraphQLLeafType | None = None
    #: The leaf type's coercion (``leaf_coercer``), for the inline paths of ``execute_plan`` and
    #: the compiled plans.
    coerce: Any = None
    non_null_leaf: bool = False
    typename: str | None = None
    null_message: str = ""
    field_def: Any = None
    parent_type: GraphQLObjectType | None = None
    #: A declared read (``schema/prefetch.py``): completed from the loader when it holds the
    #: value, else through the field's resolver.
    read: ReadPath | None = None
    #: The plan of this step's object selection, once known (an object shape's objects all
    #: share it; the step lives with the document's plans, or the request's).
    child_plan: list[Plan] = field(default_factory=list, compare=False)


@dataclass(slots=True)
class Plan:
    steps: list[Step]
    fast: int  # attribute fields and __typename: how many skip graphql-core's generic work
    #: The plan as one function of (executor, object) (``schema/completers.py``): ``NOT_YET``
    #: until first asked for, None when some step needs graphql-core's own path.
    compiled: Any = NOT_YET


def plan_selection(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
) -> Plan:
    steps: list[Step] = []
    fast = 0
    for response_name, field_details_list in grouped_field_set.items():
        node = field_details_list[0].node
        field_name = node.name.value
        if field_name == "__typename":
            steps.append(Step(response_name, field_details_list, typename=parent_type.name))
            fast += 1
            continue
        field_def = schema.get_field(parent_type, field_name)
        if field_def is None:
            continue  # graphql-core leaves unknown fields out of the response as well
        resolve = field_def.resolve
        null_message = f"Cannot return null for non-nullable field {parent_type.name}.{field_name}."
        read = None if isinstance(resolve, AttributeResolver) else read_path_of(field_def)
        if read is not None and (shape := shape_of(field_def.type)) is not None:
            steps.append(
                Step(
                    response_name,
                    field_details_list,
                    shape=shape,
                    null_message=null_message,
                    field_def=field_def,
                    parent_type=parent_type,
                    read=read,
                )
            )
            fast += 1
            continue
        shape = shape_of(field_def.type) if isinstance(resolve, AttributeResolver) else None
        if shape is None or field_def.args or node.arguments:
            steps.append(Step(response_name, field_details_list))
            continue
        assert isinstance(resolve, AttributeResolver)
        leaf_type = shape.leaf_type
        steps.append(
            Step(
                response_name,
                field_details_list,
                attribute=resolve.attribute,
                shape=shape,
                leaf_type=leaf_type,
                coerce=leaf_coercer(leaf_type) if leaf_type is not None else None,
                non_null_leaf=leaf_type is not None and shape.kind is Kind.NON_NULL,
                null_message=(
                    f"Cannot return null for non-nullable field {parent_type.name}.{field_name}."
                ),
                field_def=field_def,
                parent_type=parent_type,
            )
        )
        fast += 1
    return Plan(steps, fast)
