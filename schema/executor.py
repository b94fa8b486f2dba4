"""An executor that plans each selection once and completes plain attribute fields cheaply.

graphql-core completes every field the same generic way: a ``Path``, a resolve info, the
resolver (for a plain field, Strawberry's wrapper chain or ``schema/fast_fields.py``'s
``getattr``), an awaitable check and ``complete_value``'s chain of type tests. The users page
completes ~6 000 fields, most of them plain attributes of objects that a list resolver already
built (``schema/prefetch.py``), so that generic price is most of a request.

``FastExecutor`` plans each (parent type, grouped field set) once and keeps the plan with the
document (``schema/documents.py`` hands the same parsed document to every request with the
same text). A plan step is one of:

- ``__typename``: the parent type's name;
- an *attribute field* (resolver is ``fast_fields.AttributeResolver``: no resolver, permission
  or extension of its own) whose type is made of scalars, enums, lists and object types with no
  ``is_type_of`` or Strawberry's generated one: read with ``getattr`` and completed inline, with
  no resolve info, no ``Path`` for leaves and no awaitable per leaf;
- a *declared read* (``schema/prefetch.py``) whose value the loader already holds: completed
  like an attribute, else through the field's resolver;
- anything else (resolvers, arguments, interfaces, unions, introspection): graphql-core's own
  ``execute_field``, unchanged.

A plan made only of the first three kinds is first tried compiled (``schema/completers.py``):
one function per object, no per-field bookkeeping. Off its plain road (an error, a null in a
non-null field, an unloaded read...) the object is completed again step by step, as below.

Errors keep graphql-core's semantics exactly: the same messages, located at the same paths
(built only when an error happens), non-null propagation through ``handle_field_error``.
Unusual values (an awaitable or async iterable in an attribute) fall back to graphql-core's
completion with a real resolve info. With resolve hooks (a middleware) every field takes the
normal path. ``tests/platform/test_fast_executor.py`` and the suite-wide differential check
(``tests/differential.py``) compare this executor with Strawberry's default one.

The methods overridden here are not public API of graphql-core 3.3 (its docstrings say so):
``pyproject.toml`` pins graphql-core and Strawberry to the versions this was checked against.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.collect_fields import (
    CollectedFields,
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
)
from graphql.execution.executor import invalid_return_type_error, to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.completers import Deopt, compiled_plan
from schema.plans import (
    PLAIN_TYPES,
    SYNC_RESULTS,
    Kind,
    Plan,
    Shape,
    Step,
    plan_selection,
    shape_of,
)
from schema.prefetch import MISSING, FieldRequest, ReadPath, Selection, request_of

logger = logging.getLogger(__name__)

#: How many documents keep their plans (the same bound as the parse cache).
PLANNED_DOCUMENTS = 256


def _directives_use_variables(operation: OperationDefinitionNode, fragments: Iterable[Any]) -> bool:
    """Whether field collection can depend on the request (``@skip(if: $var)``, fragment
    arguments): then collected fields are planned per request instead of per document."""
    stack: list[Any] = [operation.selection_set, *(f.definition for f in fragments)]
    for fragment in fragments:
        if fragment.variable_signatures:
            return True
    while stack:
        node = stack.pop()
        if isinstance(node, FragmentSpreadNode) and node.arguments:
            return True
        for directive in getattr(node, "directives", None) or ():
            assert isinstance(directive, DirectiveNode)
            if any(_uses_variable(argument) for argument in directive.arguments or ()):
                return True
        selection_set = getattr(node, "selection_set", None)
        if isinstance(selection_set, SelectionSetNode):
            stack.extend(selection_set.selections)
        elif isinstance(node, SelectionSetNode):
            stack.extend(node.selections)
    return False


def _uses_variable(argument: ArgumentNode) -> bool:
    stack: list[Node] = [argument.value]
    while stack:
        value = stack.pop()
        if isinstance(value, VariableNode):
            return True
        for key in value.keys:
            child = getattr(value, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple | list):
                stack.extend(item for item in child if isinstance(item, Node))
    return False


@dataclass(slots=True)
class DocumentPlans:
    """Everything planned for one operation of one cached document (of one schema: no
    reference back to the schema, which keys the weak dictionary holding this)."""

    operation: OperationDefinitionNode
    #: False when collection depends on variables: plans are then kept per request only.
    static: bool
    root: dict[str, CollectedFields] = field(default_factory=dict)
    subfields: dict[tuple[str, int], tuple[FieldDetailsList, CollectedFields]] = field(
        default_factory=dict
    )
    plans: dict[tuple[str, int], tuple[GroupedFieldSet, Plan]] = field(default_factory=dict)


#: Per schema (dropped with it), the plans of its most recent documents by operation identity.
_documents_of: weakref.WeakKeyDictionary[GraphQLSchema, OrderedDict[int, DocumentPlans]] = (
    weakref.WeakKeyDictionary()
)


def _document_plans(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Iterable[Any]
) -> DocumentPlans:
    _documents = _documents_of.get(schema)
    if _documents is None:
        _documents = _documents_of[schema] = OrderedDict()
    key = id(operation)
    plans = _documents.get(key)
    if plans is not None and plans.operation is operation:
        _documents.move_to_end(key)
        return plans
    static = not _directives_use_variables(operation, fragments)
    plans = DocumentPlans(operation, static=static)
    _documents[key] = plans
    if len(_documents) > PLANNED_DOCUMENTS:
        _documents.popitem(last=False)
    return plans


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with planned selections and inline attribute fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Strawberry always passes a manager; it wraps resolvers only when it has middleware.
        self.fast = manager is None or not manager.middlewares
        self.document_plans = _document_plans(self.schema, self.operation, self.fragments.values())
        self.request_plans: dict[tuple[str, int], tuple[GroupedFieldSet, Plan]] = {}
        #: Arguments and selections of the declared reads, per step, for this request.
        self.read_requests: dict[int, FieldRequest] = {}
        #: Plans whose compiled completion met a value off its plain road in this request
        #: (``schema/completers.py``): completed step by step from then on.
        self.deopted: set[int] = set()
        #: What compiled reads of leaf-only objects answered, by key: an object that many
        #: parents name is completed once (``schema/completers.py``, ``_read``).
        self.completed_reads: dict[Any, dict[Any, tuple[Any, Any]]] = {}

    def build_response(self, data: dict[str, Any] | None) -> Any:
        # graphql-core's execution context outlives the response in a reference cycle (its
        # ``await_result`` closure), freed by the cyclic collector only: what it remembered
        # for this request (completed answers, loader futures and their rows) goes now. (Work
        # graphql-core lets finish after the response may remember a little again; that is
        # left to the collector, like the loaders' stragglers.)
        self.completed_reads.clear()
        self.read_requests.clear()
        return super().build_response(data)

    # Planning -----------------------------------------------------------------------------

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        new_defer_usages: Sequence[Any],
    ) -> Any:
        document = self.document_plans
        if document.static and not new_defer_usages:
            # Collection is a function of the document alone: reuse the first request's field
            # set, so the plans keyed by its identity (and its sub-selections') are reused.
            collected = document.root.get(root_type.name)
            if collected is None:
                collected = collect_fields(
                    self.schema,
                    self.fragments,
                    self.variable_values,
                    root_type,
                    self.operation,
                    self.hide_suggestions,
                )
                document.root[root_type.name] = collected
            grouped_field_set = collected[0]
        return super().execute_collected_root_fields(
            root_type, root_value, grouped_field_set, serially, new_defer_usages
        )

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        document = self.document_plans
        if not document.static:
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type.name, id(field_details_list))
        cached = document.subfields.get(key)
        if cached is not None and cached[0] is field_details_list:
            return cached[1]
        collected = super().collect_subfields(return_type, field_details_list)
        document.subfields[key] = (field_details_list, collected)
        return collected

    def plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        store = self.document_plans.plans if self.document_plans.static else self.request_plans
        key = (parent_type.name, id(grouped_field_set))
        cached = store.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan = plan_selection(self.schema, parent_type, grouped_field_set)
        store[key] = (grouped_field_set, plan)  # the field set is kept so its id stays unique
        return plan

    # Execution ----------------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if not self.fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = self.plan(parent_type, grouped_field_set)
        if not plan.fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        if position_context is None:
            completed = self.complete_compiled(plan, source_value)
            if completed is not MISSING:
                return completed
        return self.execute_plan(parent_type, source_value, path, plan, position_context)

    def complete_compiled(self, plan: Plan, source: Any) -> Any:
        """The object completed by the plan's compiled form (``schema/completers.py``);
        ``MISSING`` when there is none or the object is off its plain road."""
        if id(plan) in self.deopted:
            return MISSING
        try:
            compiled = compiled_plan(self, plan)
            if compiled is None:
                return MISSING
            return compiled(self, source)
        except Deopt:
            self.deopted.add(id(plan))
            return MISSING
        except Exception:
            # Off the plain road too (an attribute that raised, ...), but logged: a fault of
            # the compiled code itself would otherwise only show as a slower page.
            logger.debug("compiled plan left for the step-by-step path", exc_info=True)
            self.deopted.add(id(plan))
            return MISSING

    def execute_plan(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        plan: Plan,
        position_context: Any,
    ) -> Any:
        """``execute_fields`` for a planned selection with at least one fast step."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        plain_types = PLAIN_TYPES
        try:
            for step in plan.steps:
                name = step.response_name
                if step.typename is not None:
                    results[name] = step.typename
                    continue
                coerce = step.coerce
                if coerce is not None:
                    # A scalar or enum attribute: the common case, inline. Anything unusual (an
                    # exception or awaitable as the value, a failed coercion) goes the long way.
                    try:
                        value = getattr(source_value, step.attribute)  # type: ignore[arg-type]
                        if value is None:
                            if step.non_null_leaf:
                                raise TypeError(step.null_message)
                            results[name] = None
                            continue
                        if type(value) in plain_types:
                            coerced = coerce(value)
                            if coerced is not None and coerced is not Undefined:
                                results[name] = coerced
                                continue
                    except Exception as raw_error:
                        self.attribute_error(step, path, raw_error)
                        results[name] = None
                        continue
                if step.attribute is not None:
                    result = self.complete_attribute(step, source_value, path, position_context)
                elif step.read is not None and (
                    (result := self.complete_read(step, source_value, path, position_context))
                    is not MISSING
                ):
                    pass
                else:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        step.field_details_list,
                        Path(path, name, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                results[name] = result
                if type(result) not in SYNC_RESULTS and is_awaitable(result):
                    awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    @staticmethod
    async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> Any:
        if len(awaitable_fields) == 1:
            name = awaitable_fields[0]
            results[name] = await results[name]
        else:
            awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def complete_attribute(
        self, step: Step, source: Any, parent_path: Path | None, position_context: Any
    ) -> Any:
        """``execute_field`` for an attribute field, without the resolve info."""
        try:
            value = getattr(source, step.attribute)  # type: ignore[arg-type]
        except Exception as raw_error:
            self.attribute_error(step, parent_path, raw_error)
            return None
        return self.complete_known(step, value, parent_path, position_context)

    def complete_read(
        self, step: Step, source: Any, parent_path: Path | None, position_context: Any
    ) -> Any:
        """A declared read whose value the loader already holds, completed like an attribute;
        ``MISSING`` when the resolver must run (not loaded, refused parent, failing key or
        conversion: the resolver then gives the value or the error itself)."""
        read: ReadPath = step.read  # type: ignore[assignment]
        ctx = self.context_value
        try:
            if not read.allows(source):
                return MISSING
            value = read.read_now(ctx, read.key(source, ctx, self.read_request(step)))
        except Exception:
            return MISSING
        if value is MISSING:
            return MISSING
        return self.complete_known(step, value, parent_path, position_context)

    def read_request(self, step: Step) -> FieldRequest:
        """The arguments and selection of a declared read's field in this request."""
        request = self.read_requests.get(id(step))
        if request is None:
            selection = Selection(self.fragments, self.variable_values)
            nodes = to_nodes(step.field_details_list)
            request = request_of(step.field_def, nodes, selection)
            self.read_requests[id(step)] = request
        return request

    def complete_known(
        self, step: Step, value: Any, parent_path: Path | None, position_context: Any
    ) -> Any:
        """The completion of a field whose value is known (what ``execute_field`` does after
        its resolver), without the resolve info."""
        field_path: Path | None = None
        try:
            leaf_type = step.leaf_type
            if leaf_type is not None and not self.is_awaitable(value):
                if isinstance(value, Exception):
                    raise value
                if value is None or value is Undefined:
                    if step.non_null_leaf:
                        raise TypeError(step.null_message)
                    return None
                if isinstance(value, Enum):
                    PLAIN_TYPES.add(type(value))  # enum members: plain from now on
                return self.complete_leaf_value(leaf_type, value)
            field_path = Path(parent_path, step.response_name, step.parent_type.name)  # type: ignore[union-attr]
            if self.is_awaitable(value):
                return self.complete_awaitable_value(
                    step.field_def.type,
                    step.field_details_list,
                    self.info_for(step, field_path),
                    field_path,
                    value,
                    position_context,
                )
            completed = self.complete_shape(
                step.shape,  # type: ignore[arg-type]
                step,
                field_path,
                value,
                position_context,
            )
            if type(completed) not in SYNC_RESULTS and self.is_awaitable(completed):
                return self._await_field(step, field_path, completed)
            return completed
        except Exception as raw_error:
            self.attribute_error(step, parent_path, raw_error, field_path)
            return None

    def attribute_error(
        self,
        step: Step,
        parent_path: Path | None,
        raw_error: Exception,
        field_path: Path | None = None,
    ) -> None:
        """``execute_field``'s error handling; the field's path is built only now."""
        if field_path is None:
            field_path = Path(parent_path, step.response_name, step.parent_type.name)  # type: ignore[union-attr]
        self.handle_field_error(raw_error, step.field_def.type, step.field_details_list, field_path)

    async def _await_field(self, step: Step, path: Path, completed: Awaitable[Any]) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, step.field_def.type, step.field_details_list, path)
            return None

    def info_for(self, step: Step, path: Path) -> GraphQLResolveInfo[Any]:
        """A real resolve info, for the rare values graphql-core's completion must handle."""
        return self.build_resolve_info(
            step.field_def,
            to_nodes(step.field_details_list),
            step.parent_type,  # type: ignore[arg-type]
            path,
        )

    def complete_shape(
        self, shape: Shape, step: Step, path: Path, result: Any, position_context: Any
    ) -> Any:
        """``complete_value`` for a planned shape (same checks, same order, same messages)."""
        if isinstance(result, Exception):
            raise result
        kind = shape.kind
        if kind is Kind.NON_NULL:
            completed = self.complete_shape(
                shape.inner,  # type: ignore[arg-type]
                step,
                path,
                result,
                position_context,
            )
            if completed is None:
                raise TypeError(step.null_message)
            return completed
        if result is None or result is Undefined:
            return None
        if kind is Kind.LEAF:
            return self.complete_leaf_value(shape.graphql_type, result)  # type: ignore[arg-type]
        if kind is Kind.OBJECT:
            object_type: GraphQLObjectType = shape.graphql_type  # type: ignore[assignment]
            if shape.is_type_of is not None and not shape.is_type_of(result, None):
                raise invalid_return_type_error(object_type, result, step.field_details_list)
            child_plan = step.child_plan
            if child_plan and position_context is None:
                return self.complete_object(object_type, result, path, child_plan[0])
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                object_type, step.field_details_list
            )
            if not new_defer_usages and position_context is None:
                plan = self.plan(object_type, grouped_field_set)
                if not plan.fast:
                    return super().execute_fields(
                        object_type, result, path, grouped_field_set, position_context
                    )
                # Every object this step completes has the same selection: plan it once.
                child_plan.append(plan)
                return self.complete_object(object_type, result, path, plan)
            return self.execute_collected_subfields(
                object_type, result, path, grouped_field_set, new_defer_usages, position_context
            )
        if self.is_async_iterable(result):
            return self.complete_list_value(
                shape.graphql_type,  # type: ignore[arg-type]
                step.field_details_list,
                self.info_for(step, path),
                path,
                result,
                position_context,
            )
        if not is_iterable(result):
            parent = step.parent_type.name  # type: ignore[union-attr]
            field_name = step.field_details_list[0].node.name.value
            raise GraphQLError(
                f"Expected Iterable, but did not find one for field '{parent}.{field_name}'."
            )
        return self.complete_list(shape, step, path, result, position_context)

    def complete_object(
        self, object_type: GraphQLObjectType, result: Any, path: Path, plan: Plan
    ) -> Any:
        """An object of a planned selection: by its compiled form, else step by step."""
        completed = self.complete_compiled(plan, result)
        if completed is MISSING:
            completed = self.execute_plan(object_type, result, path, plan, None)
        return completed

    def complete_list(
        self, shape: Shape, step: Step, path: Path, items: Iterable[Any], position_context: Any
    ) -> Any:
        item_shape: Shape = shape.inner  # type: ignore[assignment]
        item_type = item_shape.graphql_type
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        for index, item in enumerate(items):
            item_path = Path(path, index, None)
            if is_awaitable(item):
                completed.append(
                    self.complete_awaitable_list_item_value(
                        item,
                        item_type,
                        step.field_details_list,
                        self.info_for(step, path),
                        item_path,
                        position_context,
                    )
                )
                awaitable_indices.append(index)
                continue
            try:
                value = self.complete_shape(item_shape, step, item_path, item, position_context)
                if type(value) not in SYNC_RESULTS and is_awaitable(value):
                    value = self._await_item(step, item_type, item_path, value)
                    awaitable_indices.append(index)
                completed.append(value)
            except Exception as raw_error:
                try:
                    self.handle_field_error(
                        raw_error, item_type, step.field_details_list, item_path
                    )
                except Exception:
                    if awaitable_indices:
                        self.settle_in_background([completed[i] for i in awaitable_indices])
                    raise
                completed.append(None)
        if not awaitable_indices:
            return completed
        return self._gather_items(completed, awaitable_indices)

    async def _await_item(
        self, step: Step, item_type: GraphQLOutputType, path: Path, value: Awaitable[Any]
    ) -> Any:
        try:
            return await value
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, step.field_details_list, path)
            return None

    @staticmethod
    async def _gather_items(completed: list[Any], awaitable_indices: list[int]) -> list[Any]:
        if len(awaitable_indices) == 1:
            index = awaitable_indices[0]
            completed[index] = await completed[index]
        else:
            awaited = await gather_with_cancel(*(completed[i] for i in awaitable_indices))
            for index, value in zip(awaitable_indices, awaited, strict=True):
                completed[index] = value
        return completed


def fast_fields_in(schema: GraphQLSchema, document_text: str) -> tuple[int, int]:
    """(fast, total) planned steps of a document's selections: a check that the fast path is
    engaged (tests fail if it silently turns off)."""
    from graphql import parse
    from graphql.execution import Executor

    executor = Executor.build(schema, parse(document_text))
    assert not isinstance(executor, list), executor
    fast = total = 0
    pending: list[tuple[GraphQLObjectType, GroupedFieldSet]] = []
    root_type = schema.get_root_type(executor.operation.operation)
    assert root_type is not None
    grouped, _, _ = collect_fields(
        schema, executor.fragments, executor.variable_values, root_type, executor.operation
    )
    pending.append((root_type, grouped))
    while pending:
        parent_type, grouped = pending.pop()
        plan = plan_selection(schema, parent_type, grouped)
        fast += plan.fast
        total += len(plan.steps)
        for step in plan.steps:
            if step.typename is not None:
                continue
            field_def = schema.get_field(parent_type, step.field_details_list[0].node.name.value)
            assert field_def is not None
            named = field_def.type
            while isinstance(named, GraphQLNonNull | GraphQLList):
                named = named.of_type
            if isinstance(named, GraphQLObjectType):
                sub, _, _ = executor.collect_subfields(named, step.field_details_list)
                pending.append((named, sub))
    return fast, total


__all__ = ["FastExecutor", "fast_fields_in", "shape_of"]
