"""The served schema keeps the contract: every type, field, argument and enum value of
``../shared/API.graphql`` is served under the same name with a compatible type, and the committed
``schema.graphql`` is exactly what the code prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    ast_from_value,
    build_schema,
    get_named_type,
    print_ast,
)

from schema import build_schema as build_served_schema
from schema import print_schema

REPO = Path(__file__).resolve().parents[2]
SHARED_CONTRACT = REPO.parent / "shared" / "API.graphql"
VENDORED_CONTRACT = Path(__file__).with_name("API.graphql")

#: Contract mutations whose issue has not landed yet, one per line. Remove a line when it lands.
PENDING_MUTATIONS: set[str] = set()


def is_one_of(input_type: GraphQLInputObjectType) -> bool:
    """graphql-core's flag, or Strawberry's own (it enforces @oneOf itself)."""
    definition = (input_type.extensions or {}).get("strawberry-definition")
    return bool(input_type.is_one_of or getattr(definition, "is_one_of", False))


def _contract_sdl() -> str:
    path = SHARED_CONTRACT if SHARED_CONTRACT.exists() else VENDORED_CONTRACT
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def contract() -> GraphQLSchema:
    return build_schema(_contract_sdl())


@pytest.fixture(scope="module")
def served() -> GraphQLSchema:
    return build_served_schema()._schema


def _user_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {name: t for name, t in schema.type_map.items() if not name.startswith("__")}


def _output_compatible(contract_type: object, served_type: object) -> bool:
    """Same named type and list shape; the server may promise non-null where the contract
    does not."""
    if isinstance(contract_type, GraphQLNonNull):
        return isinstance(served_type, GraphQLNonNull) and _output_compatible(
            contract_type.of_type, served_type.of_type
        )
    if isinstance(served_type, GraphQLNonNull):
        served_type = served_type.of_type
    return str(contract_type) == str(served_type)


_KINDS = (GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, GraphQLInterfaceType)


def _same_kind(a: GraphQLNamedType, b: GraphQLNamedType) -> bool:
    return any(isinstance(a, kind) and isinstance(b, kind) for kind in _KINDS) or (
        not isinstance(a, _KINDS) and not isinstance(b, _KINDS)
    )


def _required_types(contract: GraphQLSchema) -> set[str]:
    """Types reachable from the contract without going through a pending mutation."""
    roots: list[GraphQLNamedType] = [t for t in (contract.query_type,) if t is not None]
    if contract.mutation_type is not None:
        for fname, field in contract.mutation_type.fields.items():
            if fname not in PENDING_MUTATIONS:
                roots.append(get_named_type(field.type))
                roots += [get_named_type(arg.type) for arg in field.args.values()]
    seen: set[str] = {"Mutation"} if contract.mutation_type is not None else set()
    stack = list(roots)
    while stack:
        named = stack.pop()
        if named.name in seen:
            continue
        seen.add(named.name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field in named.fields.values():
                stack.append(get_named_type(field.type))
                stack += [get_named_type(a.type) for a in getattr(field, "args", {}).values()]
        if isinstance(named, GraphQLInterfaceType):
            stack += list(contract.get_possible_types(named))
    return seen


def _default_of(field: GraphQLInputField) -> str | None:
    """The default as GraphQL source text, whichever way graphql-core holds it."""
    default = getattr(field, "default", None)
    if default is not None and getattr(default, "literal", None) is not None:
        return print_ast(default.literal)
    value = default.value if default is not None else field.default_value
    if value is Undefined:
        return None
    literal = ast_from_value(value, field.type)
    return print_ast(literal) if literal is not None else None


def _missing(contract: GraphQLSchema, served: GraphQLSchema) -> list[str]:
    problems: list[str] = []
    served_types = _user_types(served)
    required = _required_types(contract)
    for name, ctype in _user_types(contract).items():
        stype = served_types.get(name)
        if stype is None and name not in required:
            continue  # only used by a pending mutation
        if stype is None or not _same_kind(ctype, stype):
            problems.append(f"type {name}: missing or of another kind")
            continue
        if isinstance(ctype, GraphQLEnumType):
            assert isinstance(stype, GraphQLEnumType)
            problems += [f"enum {name}.{v}" for v in ctype.values if v not in stype.values]
        elif isinstance(ctype, GraphQLInputObjectType):
            assert isinstance(stype, GraphQLInputObjectType)
            if ctype.is_one_of and not is_one_of(stype):
                problems.append(f"input {name}: must be @oneOf")
            for fname, cfield in ctype.fields.items():
                sfield = stype.fields.get(fname)
                if sfield is None or str(sfield.type) != str(cfield.type):
                    problems.append(f"input field {name}.{fname}: {cfield.type}")
                elif _default_of(cfield) is not None and _default_of(cfield) != _default_of(sfield):
                    problems.append(f"input field {name}.{fname}: default {_default_of(cfield)}")
        elif isinstance(ctype, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(stype, GraphQLObjectType | GraphQLInterfaceType)
            served_interfaces = {i.name for i in stype.interfaces}
            problems += [
                f"type {name} must implement {i.name}"
                for i in ctype.interfaces
                if i.name not in served_interfaces
            ]
            for fname, cfield in ctype.fields.items():
                if name == "Mutation" and fname in PENDING_MUTATIONS:
                    continue
                problems += _field_problems(f"{name}.{fname}", cfield, stype.fields.get(fname))
    return problems


def _field_problems(label: str, cfield: GraphQLField, sfield: GraphQLField | None) -> list[str]:
    if sfield is None:
        return [f"field {label}: missing"]
    problems = []
    if not _output_compatible(cfield.type, sfield.type):
        problems.append(f"field {label}: {sfield.type} is not compatible with {cfield.type}")
    for aname, carg in cfield.args.items():
        sarg = sfield.args.get(aname)
        if sarg is None or str(sarg.type) != str(carg.type):
            problems.append(f"argument {label}({aname}): {carg.type}")
    problems += [
        f"argument {label}({aname}) is required but not in the contract"
        for aname, sarg in sfield.args.items()
        if aname not in cfield.args and isinstance(sarg.type, GraphQLNonNull)
    ]
    return problems


def test_served_schema_contains_the_whole_contract(contract, served):
    assert _missing(contract, served) == []


def test_pending_mutations_are_really_pending(served):
    """A mutation that has landed must leave the pending list (so the check covers it)."""
    assert served.mutation_type is not None
    landed = PENDING_MUTATIONS & set(served.mutation_type.fields)
    assert landed == set(), f"remove from PENDING_MUTATIONS: {sorted(landed)}"


def test_committed_schema_file_matches_the_code():
    committed = (REPO / "schema.graphql").read_text(encoding="utf-8")
    assert committed == print_schema(), "run `make schema` and commit schema.graphql"


def test_vendored_contract_copy_matches_shared():
    if not SHARED_CONTRACT.exists():
        pytest.skip("../shared is not beside this checkout")
    assert VENDORED_CONTRACT.read_text(encoding="utf-8") == SHARED_CONTRACT.read_text(
        encoding="utf-8"
    )
