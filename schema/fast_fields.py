"""Plain attribute fields resolved with one function call instead of Strawberry's three.

For a field without resolver, permission or extension ("basic"), Strawberry's resolver calls
``field.get_result`` which calls ``getattr``. A page of 100 users with 5 contacts each completes
~5 000 such fields per request, so the wrapper layers show up in profiles. This swaps the
graphql-core resolver of exactly those fields for a direct ``getattr`` of the same attribute:
identical results, less per-field overhead (bench/RESULTS.md).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.types.field import StrawberryField


class AttributeResolver:
    """Reads one attribute; the executor (``schema/executor.py``) recognises it and reads the
    attribute itself, without building a resolve info."""

    __slots__ = ("attribute",)

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute

    def __call__(self, source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, self.attribute)


def use_direct_attribute_resolvers(schema: GraphQLSchema) -> int:
    """Rewire every basic field of the schema's object types; returns how many were rewired."""
    rewired = 0
    for named in schema.type_map.values():
        if named.name.startswith("__") or not isinstance(
            named, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field in named.fields.values():
            definition = (field.extensions or {}).get("strawberry-definition")
            if (
                isinstance(definition, StrawberryField)
                and definition.is_basic_field
                and not definition.is_subscription
                and definition.python_name
                and getattr(field.resolve, "_is_default", False)
            ):
                field.resolve = AttributeResolver(definition.python_name)
                rewired += 1
    return rewired
