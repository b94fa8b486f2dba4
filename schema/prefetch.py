"""The declared read path: nested fields that say which loader and key they read.

A nested field that reads a request loader (``User.seat``, ``User.contacts``, ``Contact.owner``
...) declares it next to itself with ``reads(ReadPath(...))`` in its ``strawberry.field``
metadata: the loader, the key of a parent object, the one conversion from the loaded value to
the API object, and (for connections) where the next level's objects are. Three readers use
that one declaration:

- the field's own resolver (``ReadPath.resolve``): the value at once when the loader holds it,
  else the loader's awaitable;
- the look-ahead (``read_ahead``): a list resolver hands it the page's objects; it reads the
  request's selection (aliases, fragments, ``@skip``/``@include``, variables), finds every
  declared field below, loads each one for the whole level with one batch call and goes on
  with the next level, so a page costs one batch per loader and level whatever its size;
- the executor (``schema/executor.py``): a declared field whose value the loader already holds
  is completed as a plain read, without Strawberry's resolver chain or a resolve info. Anything
  else (not loaded, a key that fails, a parent the declaration refuses) takes the resolver, so
  values and errors are the resolver's own.

Nested fields keep working on their own when nothing was prefetched.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values
from strawberry.dataloader import DataLoader
from strawberry.types.field import StrawberryField

if TYPE_CHECKING:
    import strawberry

    from resolvers.context import RequestContext
    from resolvers.loaders import Loaders

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")

#: What a synchronous field resolver returns: the value, or an awaitable graphql-core awaits.
MaybeAwaitable: TypeAlias = R | Awaitable[R]

#: ``strawberry.field(metadata=...)`` key of a field's declaration.
READ_PATH = "read_path"


class _Missing:
    __slots__ = ()


#: ``ReadPath.read_now``'s answer when the loader does not hold the value yet.
MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class FieldRequest:
    """What a key may depend on besides its parent: the field's arguments (coerced, by their
    GraphQL names), the names selected directly under it (fragments flattened) and, on
    demand, the names selected further down (``selected_below``)."""

    arguments: Mapping[str, Any]
    selected: frozenset[str]
    #: What keys derive from the request alone, by whoever derives it (e.g. a parsed page):
    #: worked out once, not once per parent object.
    derived: dict[Any, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    #: The field's nodes and the request's fragments and variables, for ``selected_below``.
    nodes: tuple[FieldNode, ...] = dataclasses.field(default=(), compare=False, repr=False)
    selection: Selection | None = dataclasses.field(default=None, compare=False, repr=False)

    def selected_below(self, path: tuple[str, ...]) -> frozenset[str] | None:
        """The names selected under the field's descendants at ``path`` (e.g. a connection's
        ``("edges", "node")``), fragments flattened; None when the request's selection is not
        known (read everything). Worked out once per ``FieldRequest`` (the executor keeps one
        per field and request; a resolver builds one per parent)."""
        if self.selection is None:
            return None
        key = ("selected_below", path)
        if key not in self.derived:
            below = self.selection.below(list(self.nodes), path)
            self.derived[key] = self.selection.names_under(below)
        return self.derived[key]  # type: ignore[no-any-return]


def _always(_parent: Any) -> bool:
    return True


@dataclass(frozen=True, slots=True, eq=False)
class ReadPath:
    """How a nested field reads its value (see the module docstring)."""

    #: The request loader the field reads.
    loader: Callable[[Loaders], DataLoader[Any, Any]]
    #: The loader key for a parent object; None means the field is null (nothing to load).
    key: Callable[[Any, RequestContext, FieldRequest], Any]
    #: The one conversion from the loaded value to the API object.
    convert: Callable[[RequestContext, Any], Any]
    #: Field names from the API object down to the next level's objects: ``("edges", "node")``
    #: for a connection, ``()`` for an object.
    next_level: tuple[str, ...] = ()
    #: Parents whose field may be read without the resolver (whose resolver would not refuse).
    allows: Callable[[Any], bool] = _always

    def read_now(self, ctx: RequestContext, key: Any) -> Any:
        """The API object when the loader holds the value, else ``MISSING``."""
        if key is None:
            return None
        loaders = ctx.loaders
        future = self.loader(loaders).cache_map.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return MISSING
        return self._converted(ctx, loaders, key, future)

    def _converted(
        self, ctx: RequestContext, loaders: Loaders, key: Any, future: asyncio.Future[Any]
    ) -> Any:
        # One API object per loaded value and request, whichever reader asks first. It is kept
        # beside the loader's future it came from: a done future's value never changes, and a
        # value primed again after a write (same key, a new future) is converted again.
        known = loaders.converted.get(self)
        if known is None:
            known = loaders.converted[self] = {}
        remembered = known.get(key)
        if remembered is not None and remembered[0] is future:
            return remembered[1]
        value = self.convert(ctx, future.result())
        known[key] = (future, value)
        return value

    def resolve(self, parent: Any, info: strawberry.Info[RequestContext]) -> Any:
        """The resolver's read: at once when loaded, else the loader's awaitable."""
        ctx = info.context
        raw = info._raw_info
        key = self.key(parent, ctx, field_request(raw.parent_type.fields[raw.field_name], raw))
        value = self.read_now(ctx, key)
        if value is not MISSING:
            return value
        loaders = ctx.loaders
        # DataLoader.load hands out its cached future (typed only as an awaitable).
        future = asyncio.ensure_future(self.loader(loaders).load(key))
        return self._later(ctx, loaders, key, future)

    async def _later(
        self, ctx: RequestContext, loaders: Loaders, key: Any, future: asyncio.Future[Any]
    ) -> Any:
        await future
        return self._converted(ctx, loaders, key, future)


def reads(read_path: ReadPath) -> dict[str, Any]:
    """``strawberry.field(metadata=reads(...))``: the declaration, next to the field."""
    return {READ_PATH: read_path}


def read_path_of(field: GraphQLField) -> ReadPath | None:
    """The declaration of a served field, if it has one and nothing else wraps its resolver."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    read_path = definition.metadata.get(READ_PATH) if definition.metadata else None
    if not isinstance(read_path, ReadPath):
        return None
    if definition.permission_classes or definition.extensions:
        return None  # the executor would skip them; such a field keeps its resolver
    return read_path


def now_or_later(loader: DataLoader[K, V], key: K, convert: Callable[[V], R]) -> R | Awaitable[R]:
    """The converted value at once when the loader already holds it, else an awaitable."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and not future.exception():
        return convert(future.result())
    return _later(loader.load(key), convert)


async def _later(pending: Awaitable[V], convert: Callable[[V], R]) -> R:
    return convert(await pending)


# Reading the request's selection ---------------------------------------------------------


_Grouped: TypeAlias = dict[str, list[FieldNode]]


class Selection:
    """Fragments and variables of one request, to walk field nodes as execution will."""

    __slots__ = ("fragments", "variables")

    def __init__(self, fragments: Mapping[str, Any], variables: Any) -> None:
        self.fragments = fragments
        # The executor holds ``VariableValues``; a resolve info may carry the coerced dict.
        if not isinstance(variables, VariableValues):
            variables = VariableValues(sources={}, coerced=dict(variables or {}))
        self.variables: VariableValues = variables

    def included(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if"):
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and not include.get("if"))

    def fields(self, nodes: Iterable[FieldNode]) -> dict[str, list[FieldNode]]:
        """The field nodes selected under ``nodes``, by response name."""
        grouped: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                self._collect(node.selection_set, grouped)
        return grouped

    def _collect(self, selection_set: SelectionSetNode, grouped: _Grouped) -> None:
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                name = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(name, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, grouped)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                definition = getattr(fragment, "definition", fragment)
                if definition is not None:
                    self._collect(definition.selection_set, grouped)

    def names_under(self, nodes: Iterable[FieldNode]) -> frozenset[str]:
        """The field names (not aliases) selected under ``nodes``."""
        return frozenset(
            child.name.value for children in self.fields(nodes).values() for child in children
        )

    def below(self, nodes: list[FieldNode], path: Iterable[str]) -> list[FieldNode]:
        """The field nodes reached from ``nodes`` through the field names of ``path``."""
        for name in path:
            nodes = [
                child
                for children in self.fields(nodes).values()
                for child in children
                if child.name.value == name
            ]
        return nodes


def field_request(field: GraphQLField, info: Any) -> FieldRequest:
    """The request of a field, from a resolve info or the executor (same attributes)."""
    selection = Selection(info.fragments, info.variable_values)
    return request_of(field, info.field_nodes, selection)


def request_of(field: GraphQLField, nodes: list[FieldNode], selection: Selection) -> FieldRequest:
    arguments = get_argument_values(field, nodes[0], selection.variables)
    selected = selection.names_under(nodes)
    return FieldRequest(arguments, selected, nodes=tuple(nodes), selection=selection)


def _named(graphql_type: GraphQLOutputType) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def _level_type(parent: GraphQLObjectType, path: Iterable[str]) -> GraphQLObjectType | None:
    level: Any = parent
    for name in path:
        if not isinstance(level, GraphQLObjectType) or name not in level.fields:
            return None
        level = _named(level.fields[name].type)
    return level if isinstance(level, GraphQLObjectType) else None


async def read_ahead(info: strawberry.Info[RequestContext], objects: list[Any]) -> None:
    """Load every declared field selected below this connection's nodes, level by level."""
    raw = info._raw_info
    selection = Selection(raw.fragments, raw.variable_values)
    path = ("edges", "node")
    node_type = _level_type(_named(raw.return_type), path)
    if node_type is None or not objects:
        return
    nodes = selection.below(list(raw.field_nodes), path)
    await _read_level(info.context, selection, node_type, nodes, objects)


_Declared: TypeAlias = list[tuple[GraphQLField, ReadPath, list[FieldNode]]]


def _declared_fields(
    selection: Selection, parent_type: GraphQLObjectType, nodes: list[FieldNode]
) -> _Declared:
    """The declared fields selected under ``nodes`` (a level of ``parent_type`` objects)."""
    declared: _Declared = []
    for field_nodes in selection.fields(nodes).values():
        field = parent_type.fields.get(field_nodes[0].name.value)
        read_path = read_path_of(field) if field is not None else None
        if field is not None and read_path is not None:
            declared.append((field, read_path, field_nodes))
    return declared


async def _read_level(
    ctx: RequestContext,
    selection: Selection,
    parent_type: GraphQLObjectType,
    nodes: list[FieldNode],
    parents: list[Any],
) -> None:
    await _read_declared(ctx, selection, _declared_fields(selection, parent_type, nodes), parents)


async def _read_declared(
    ctx: RequestContext, selection: Selection, declared: _Declared, parents: list[Any]
) -> None:
    """Load the declared fields of one level, one batch call per loader (aliases of one field,
    or fields reading one loader, share it even when their keys differ), then, field by field,
    the levels below (each field's next level is loaded on its own)."""
    below: list[tuple[GraphQLField, ReadPath, list[FieldNode], list[Any]]] = []
    keys_by_loader: dict[DataLoader[Any, Any], dict[Any, None]] = {}
    for field, read_path, field_nodes in declared:
        keys = _keys(ctx, read_path, field, field_nodes, selection, parents)
        if keys:
            below.append((field, read_path, field_nodes, keys))
            loader = read_path.loader(ctx.loaders)
            keys_by_loader.setdefault(loader, {}).update(dict.fromkeys(keys))
    await gather_quietly(
        *(load_level(loader, list(keys)) for loader, keys in keys_by_loader.items())
    )
    await gather_quietly(*(_read_below(ctx, selection, *each) for each in below))


def _keys(
    ctx: RequestContext,
    read_path: ReadPath,
    field: GraphQLField,
    field_nodes: list[FieldNode],
    selection: Selection,
    parents: list[Any],
) -> list[Any]:
    """The distinct keys of a level; none when a key fails (e.g. a bad ``first``: the field
    reports that error itself when it is completed)."""
    try:
        request = request_of(field, field_nodes, selection)
        keys = {read_path.key(p, ctx, request) for p in parents if read_path.allows(p)}
    except Exception:
        return []
    keys.discard(None)
    return list(keys)


async def _read_below(
    ctx: RequestContext,
    selection: Selection,
    field: GraphQLField,
    read_path: ReadPath,
    field_nodes: list[FieldNode],
    keys: list[Any],
) -> None:
    """The declared fields below a loaded field's objects (a connection's nodes, ...)."""
    next_type = _level_type(_named(field.type), read_path.next_level)
    if next_type is None:
        return
    next_nodes = selection.below(field_nodes, read_path.next_level)
    declared = _declared_fields(selection, next_type, next_nodes)
    if not declared:
        return  # nothing below to load: the objects are converted when completed
    next_objects = [
        child
        for key in keys
        for child in _objects_at(read_path.read_now(ctx, key), read_path.next_level)
    ]
    if next_objects:
        await _read_declared(ctx, selection, declared, next_objects)


async def load_level(loader: DataLoader[Any, Any], keys: list[Any]) -> None:
    """``load_many`` for a whole level, without a task and two done-callbacks per key (each
    scheduled through the event loop: most of a page's asyncio work).

    The keys nothing has asked for yet get a pending future in the loader's cache first, so
    any other reader of them (another alias, a resolver) waits for this one batch call; keys
    another reader is loading are waited for. Results and failures land in those futures as
    the loader's own batch would leave them: a failing key fails its field, from the cache."""
    cache = loader.cache_map
    loop = asyncio.get_running_loop()
    missing: list[tuple[Any, asyncio.Future[Any]]] = []
    loading: list[asyncio.Future[Any]] = []
    for key in keys:
        future = cache.get(key)
        if future is None or future.cancelled():
            future = loop.create_future()
            cache.set(key, future)
            missing.append((key, future))
        elif not future.done():
            loading.append(future)
    if missing:
        await _fill(loader, missing)
    if loading:
        await asyncio.gather(*loading, return_exceptions=True)


async def _fill(
    loader: DataLoader[Any, Any], missing: list[tuple[Any, asyncio.Future[Any]]]
) -> None:
    try:
        values = await loader.load_fn([key for key, _ in missing])
    except Exception as failure:
        values = [failure] * len(missing)
    except BaseException:
        for key, future in missing:  # cancelled: a later reader loads again
            loader.cache_map.delete(key)
            future.cancel()
        raise
    for (_key, future), value in zip(missing, values, strict=True):
        if isinstance(value, BaseException):
            future.set_exception(value)
            future.exception()  # retrieved here: each field reports it from the cache
        else:
            future.set_result(value)


def _objects_at(value: Any, path: tuple[str, ...]) -> list[Any]:
    """The objects reached from an API object through ``path`` (lists flattened)."""
    level = [value]
    for name in path:
        level = [
            item
            for parent in level
            if parent is not None and parent is not MISSING
            for item in _as_list(getattr(parent, _python_name(name), None))
        ]
    return [item for item in level if item is not None and item is not MISSING]


@functools.cache
def _python_name(graphql_name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in graphql_name)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


async def gather_quietly(*loads: Awaitable[Any]) -> list[Any]:
    """Run prefetches together; a failed one is left to the field that needs it to report."""
    results = await asyncio.gather(*loads, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result  # cancellation and the like are not ours to swallow
    return [None if isinstance(r, BaseException) else r for r in results]
