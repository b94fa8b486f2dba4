"""Plans compiled to functions: each object of a planned selection completed in one call.

``FastExecutor`` (``schema/executor.py``) walks a plan step by step for every object it
completes: per field a loop turn, a few type tests and, for an object or a list, a chain of
``complete_shape`` calls that keeps a ``Path`` in case of an error. The users page completes
~1 600 objects that way. A plan made only of attribute fields, declared reads that the loaders
already hold and ``__typename`` is the same work for every object, so it is compiled once: one
function per object, written out as Python source (scalar and enum attributes inline, see
``_compile``), closures for the other steps and shapes (reads, non-null, list, object), each
child object's plan compiled too. Compiled source is kept by its text, so a document planned
per request (directives with variables) does not compile it again.

A compiled completion only takes the plain road: values of the plain types, lists that are
lists, objects their type accepts, reads the loader holds. Anything else (a null in a non-null
field, an exception, an awaitable, an unloaded read, a failed coercion) raises ``Deopt``; the
executor then completes that object again through the plan step by step, which reports errors
exactly where graphql-core reports them, and stops trying the compiled form of that plan for
the rest of the request. Reading an attribute or a loaded value twice is harmless: nothing on
the plain road changes state except memos (converted API objects, read requests, enum names,
the answers of remembered reads) that give the same answers again.
"""

from __future__ import annotations

import functools
import keyword
from collections.abc import Callable
from enum import Enum, Flag
from types import CodeType
from typing import Any, Protocol

from graphql import GraphQLEnumType, GraphQLObjectType
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Undefined
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    serialize_boolean,
    serialize_id,
    serialize_int,
    serialize_string,
)
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from schema.plans import NOT_YET, PLAIN_TYPES, Kind, Plan, Shape, Step, leaf_coercer
from schema.prefetch import MISSING, FieldRequest

#: ``(executor, value) -> completed value``; raises ``Deopt`` off the plain road.
Completer = Callable[[Any, Any], Any]


class Deopt(Exception):
    """The compiled completion met a value only the step-by-step completion handles."""


class PlanningExecutor(Protocol):
    """What compiling and running a compiled plan ask of the executor."""

    context_value: Any
    #: Per request: what each remembered read answered, by key (``_read``).
    completed_reads: dict[Completer, dict[Any, tuple[Any, Any]]]

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields: ...

    def plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan: ...

    def read_request(self, step: Step) -> FieldRequest: ...


def compiled_plan(executor: PlanningExecutor, plan: Plan) -> Completer | None:
    """The plan's compiled completion (compiled on first use), or None when a step needs
    graphql-core's own path (a resolver, arguments, an interface, a deferred fragment)."""
    compiled = plan.compiled
    if compiled is NOT_YET:
        plan.compiled = None  # while compiling: a plan never contains itself, but be sure
        compiled = plan.compiled = _compile(executor, plan)
    return compiled  # type: ignore[no-any-return]


def _compile(executor: PlanningExecutor, plan: Plan) -> Completer | None:
    """One function for the plan's objects, written out as Python source and compiled.

    Scalar and enum attributes are read and checked inline (``_leaf_in_place``: a ``str`` for
    a String or ID is taken as it is, with no call at all); other steps call their step's
    closure, and object or list attributes their value's closure (``_value_completer``). For
    the users page's ``Contact`` selection the function reads::

        def complete_object(executor, source):
            v0 = source.id
            if not (type(v0) is str): v0 = leaf0(v0)
            v1 = source.name
            if not (type(v1) is str): v1 = leaf1(v1)
            ...
            v3 = source.marketing_status
            v3 = names3[v3] if type(v3) is enum3 else leaf3(v3)
            v4 = get4(executor, source)
            return {'id': v0, 'name': v1, ..., 'owner': v4}

    Only names checked to be identifiers (attributes) and ``repr``'d strings (response names,
    type names) are written into the source.
    """
    namespace: dict[str, Any] = {}
    lines: list[str] = []
    entries: list[str] = []
    for index, step in enumerate(plan.steps):
        value = f"v{index}"
        if step.typename is not None:
            entries.append(f"{step.response_name!r}: {step.typename!r}")
            continue
        attribute = step.attribute
        if step.coerce is not None and attribute is not None and _is_plain_name(attribute):
            namespace[f"leaf{index}"] = _leaf(step.coerce, step.non_null_leaf)
            lines.append(f"    {value} = source.{attribute}")
            lines.append(_leaf_in_place(step, index, namespace))
        elif attribute is not None and step.shape is not None and _is_plain_name(attribute):
            complete_value = _value_completer(executor, step, step.shape)
            if complete_value is None:
                return None
            namespace[f"value{index}"] = complete_value
            lines.append(f"    {value} = value{index}(executor, source.{attribute})")
        else:
            getter = _step_getter(executor, step)
            if getter is None:
                return None
            namespace[f"get{index}"] = getter
            lines.append(f"    {value} = get{index}(executor, source)")
        entries.append(f"{step.response_name!r}: {value}")
    if not entries:
        return None
    source = "\n".join(
        [
            "def complete_object(executor, source):",
            *lines,
            "    return {" + ", ".join(entries) + "}",
        ]
    )
    exec(_code(source), namespace)  # noqa: S102  # only checked names: see the docstring
    return namespace["complete_object"]  # type: ignore[no-any-return]


def _leaf_in_place(step: Step, index: int, namespace: dict[str, Any]) -> str:
    """The source line completing leaf ``v<index>``: values the coercion returns unchanged
    (a ``str`` for String and ID, an ``int`` within 32 bits for Int, a ``bool`` for Boolean)
    are kept with no call, an enum member is looked up by its class, anything else is coerced
    by ``leaf<index>`` (which deopts off the plain road)."""
    value = f"v{index}"
    kept = _KEPT_AS_IS.get(step.coerce)
    if kept is not None:
        return f"    if not ({kept.format(value)}): {value} = leaf{index}({value})"
    members = _member_names(step)
    if members is not None:
        namespace[f"enum{index}"], namespace[f"names{index}"] = members
        return (
            f"    {value} = names{index}[{value}] if type({value}) is enum{index} "
            f"else leaf{index}({value})"
        )
    return f"    {value} = leaf{index}({value})"


#: Coercions that return these values unchanged, and the test that tells them (``{0}``: value).
_KEPT_AS_IS: dict[Any, str] = {
    serialize_string: "type({0}) is str",
    serialize_id: "type({0}) is str",
    serialize_int: f"type({{0}}) is int and {GRAPHQL_MIN_INT} <= {{0}} <= {GRAPHQL_MAX_INT}",
    serialize_boolean: "type({0}) is bool",
}


def _member_names(step: Step) -> tuple[type, dict[Any, Any]] | None:
    """``(enum class, {member: name})`` of a Strawberry enum leaf, each name coerced once now;
    None when the leaf is no such enum or a member does not coerce to a name."""
    members_of = getattr(step.leaf_type, "wrapped_cls", None)
    if not isinstance(step.leaf_type, GraphQLEnumType) or not (
        isinstance(members_of, type) and issubclass(members_of, Enum)
    ):
        return None
    if issubclass(members_of, Flag):
        return None  # a combined flag is of the class but no member: not in the table
    names: dict[Any, Any] = {}
    for member in members_of:
        try:
            name = step.coerce(member)
        except Exception:
            return None
        if not isinstance(name, str):
            return None
        names[member] = name
    return members_of, names


def _is_plain_name(attribute: str) -> bool:
    # ASCII only: Python normalises non-ASCII identifiers in source (NFKC), getattr does not.
    return attribute.isascii() and attribute.isidentifier() and not keyword.iskeyword(attribute)


@functools.lru_cache(maxsize=1024)
def _code(source: str) -> CodeType:
    return compile(source, "<compiled plan>", "exec")


def _step_getter(executor: PlanningExecutor, step: Step) -> Completer | None:
    """``(executor, parent object) -> completed value`` of a step other than ``__typename``
    (which ``_compile`` writes as a constant)."""
    if step.coerce is not None and step.attribute is not None:
        return _attribute(step.attribute, _as_completer(_leaf(step.coerce, step.non_null_leaf)))
    if step.shape is None:
        return None
    complete_value = _value_completer(executor, step, step.shape)
    if complete_value is None:
        return None
    if step.attribute is not None:
        return _attribute(step.attribute, complete_value)
    if step.read is not None:
        return _read(step, complete_value, remember=_of_leaves(executor, step))
    return None


def _leaf(coerce: Callable[[Any], Any], non_null: bool) -> Callable[[Any], Any]:
    """A scalar or enum value coerced, as ``FastExecutor.execute_plan``'s inline case does."""

    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise Deopt
            return None
        if type(value) in PLAIN_TYPES:
            coerced = coerce(value)
            if coerced is not None and coerced is not Undefined:
                return coerced
        raise Deopt

    return complete


def _as_completer(complete_leaf: Callable[[Any], Any]) -> Completer:
    return lambda _executor, value: complete_leaf(value)


def _attribute(attribute: str, complete_value: Completer) -> Completer:
    def get(executor: Any, source: Any) -> Any:
        return complete_value(executor, getattr(source, attribute))

    return get


def _read(step: Step, complete_value: Completer, *, remember: bool) -> Completer:
    """A declared read: the loaded value when the loader holds it (``ReadPath.read_now``).

    ``remember``: the value is an object of leaves (``_of_leaves``), whose answer depends on
    nothing but the loaded value. Then what was answered for a key is answered again for
    the rest of the request while the loader holds the same value (the same future: a value
    primed again after a write is completed again), without reading and completing it once
    more: a page's contacts name a few owners many times. A completion that deopts leaves
    nothing behind. The answers are dicts shared in the response, which nothing changes
    after completion."""
    read = step.read
    assert read is not None
    allows, key, read_now, loader_of = read.allows, read.key, read.read_now, read.loader

    def get(executor: Any, source: Any) -> Any:
        if not allows(source):
            raise Deopt
        ctx = executor.context_value
        value = read_now(ctx, key(source, ctx, executor.read_request(step)))
        if value is MISSING:
            raise Deopt
        return complete_value(executor, value)

    if not remember:
        return get

    def get_remembered(executor: Any, source: Any) -> Any:
        if not allows(source):
            raise Deopt
        ctx = executor.context_value
        read_key = key(source, ctx, executor.read_request(step))
        memos: dict[Completer, dict[Any, tuple[Any, Any]]] = executor.completed_reads
        memo = memos.get(get_remembered)
        if memo is None:
            memo = memos[get_remembered] = {}
        future = loader_of(ctx.loaders).cache_map.get(read_key)
        known = memo.get(read_key)
        if known is not None and known[0] is future:
            return known[1]
        value = read_now(ctx, read_key)
        if value is MISSING:
            raise Deopt
        completed = complete_value(executor, value)
        if future is not None:
            memo[read_key] = (future, completed)
        return completed

    return get_remembered


def _of_leaves(executor: PlanningExecutor, step: Step) -> bool:
    """Whether the step's value is an object (or null) whose selection is only ``__typename``
    and scalar or enum attributes: its answer is a function of the object alone."""
    shape = step.shape
    if shape is not None and shape.kind is Kind.NON_NULL:
        shape = shape.inner
    if shape is None or shape.kind is not Kind.OBJECT:
        return False
    grouped_field_set, defer_usages, _ = executor.collect_subfields(
        shape.graphql_type,  # type: ignore[arg-type]
        step.field_details_list,
    )
    plan = executor.plan(shape.graphql_type, grouped_field_set)  # type: ignore[arg-type]
    return not defer_usages and all(
        each.typename is not None or (each.coerce is not None and each.attribute is not None)
        for each in plan.steps
    )


def _value_completer(executor: PlanningExecutor, step: Step, shape: Shape) -> Completer | None:
    """``(executor, value) -> completed value`` for a value of ``shape``.

    A non-null object and a list of objects are one closure each (not a closure per
    wrapper): a page completes its items' edges and nodes through these, item by item."""
    if shape.kind is Kind.NON_NULL:
        inner: Shape = shape.inner  # type: ignore[assignment]
        if inner.kind is Kind.OBJECT:
            return _object_completer(executor, step, inner, non_null=True)
        return _non_null(_value_completer(executor, step, inner))
    if shape.kind is Kind.LIST:
        item: Shape = shape.inner  # type: ignore[assignment]
        objects = item.inner if item.kind is Kind.NON_NULL else item
        if objects is not None and objects.kind is Kind.OBJECT:
            return _list(_object_completer(executor, step, objects, non_null=item is not objects))
        return _list(_value_completer(executor, step, item))
    if shape.kind is Kind.LEAF:
        return _as_completer(_leaf(leaf_coercer(shape.graphql_type), non_null=False))  # type: ignore[arg-type]
    return _object_completer(executor, step, shape, non_null=False)


def _object_completer(
    executor: PlanningExecutor, step: Step, shape: Shape, *, non_null: bool
) -> Completer | None:
    object_type: GraphQLObjectType = shape.graphql_type  # type: ignore[assignment]
    grouped_field_set, defer_usages, _ = executor.collect_subfields(
        object_type, step.field_details_list
    )
    if defer_usages:
        return None
    child = compiled_plan(executor, executor.plan(object_type, grouped_field_set))
    if child is None:
        return None
    return _object(shape.is_type_of, _accepted_class(object_type), child, non_null=non_null)


def _non_null(inner: Completer | None) -> Completer | None:
    if inner is None:
        return None

    def complete(executor: Any, value: Any) -> Any:
        completed = inner(executor, value)
        if completed is None:
            raise Deopt
        return completed

    return complete


def _list(item: Completer | None) -> Completer | None:
    if item is None:
        return None

    def complete(executor: Any, value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not list:
            raise Deopt
        return [item(executor, each) for each in value]

    return complete


def _accepted_class(object_type: GraphQLObjectType) -> type | None:
    """The class whose instances Strawberry's ``is_type_of`` of this type accepts when they are
    not cast (``strawberry.cast``) to another type: its own."""
    definition = (object_type.extensions or {}).get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) else None


def _object(
    is_type_of: Any, accepted: type | None, complete_fields: Completer, *, non_null: bool
) -> Completer:
    """An object of the type (``non_null``: null deopts), completed by its compiled plan.
    An instance of the type's own class, cast (``strawberry.cast``) to no other type, is what
    Strawberry's ``is_type_of`` accepts: it is accepted here without that call."""

    def complete(executor: Any, value: Any) -> Any:
        if type(value) is accepted and getattr(value, TYPE_CAST_ATTRIBUTE, None) is None:
            return complete_fields(executor, value)
        if value is None:
            if non_null:
                raise Deopt
            return None
        if is_type_of is None:
            if isinstance(value, Exception):
                raise Deopt
        elif not is_type_of(value, None):
            raise Deopt
        return complete_fields(executor, value)

    return complete
