"""Every element of the served schema documents itself (GraphiQL's docs panel shows it)."""

from __future__ import annotations

from enum import StrEnum

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    is_introspection_type,
    is_specified_scalar_type,
)

from schema import build_schema
from schema.common import describe_enum


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Coordinates (``Type.field(argument:)``) of every element without a description."""
    missing: list[str] = []

    def check(coordinate: str, description: str | None) -> None:
        if not (description and description.strip()):
            missing.append(coordinate)

    for name, named in sorted(schema.type_map.items()):
        if is_introspection_type(named) or is_specified_scalar_type(named):
            continue
        check(name, named.description)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                check(f"{name}.{field_name}", input_field.description)
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                check(f"{name}.{value_name}", value.description)
        elif isinstance(named, GraphQLUnionType):
            pass  # its members are object types, checked on their own
    return missing


def test_every_schema_element_has_a_description():
    missing = undescribed(build_schema()._schema)
    assert not missing, f"{len(missing)} elements without a description:\n" + "\n".join(missing)


def test_the_check_finds_an_undescribed_element():
    schema = build_schema()._schema
    user = schema.type_map["User"]
    assert isinstance(user, GraphQLObjectType)
    field = user.fields["email"]
    saved = field.description
    field.description = None
    try:
        assert undescribed(schema) == ["User.email"]
    finally:
        field.description = saved


def test_describing_a_value_an_enum_does_not_have_fails_at_import():
    class Colour(StrEnum):
        RED = "RED"

    with pytest.raises(ValueError, match="BLUE"):
        describe_enum(Colour, "A colour.", RED="Red.", BLUE="Blue.")


async def test_graphiqls_docs_panel_gets_the_descriptions(api):
    """What GraphiQL's Docs panel shows comes from introspection, without a token."""
    body = await api.data(
        '{ __type(name: "SeatStatus") { description enumValues { name description } } }'
    )
    seat_status = body["__type"]
    assert "OCCUPIED + FREE + PENDING_REMOVAL" in seat_status["description"]
    assert all(value["description"] for value in seat_status["enumValues"])
