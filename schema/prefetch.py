"""Resolving a level at once.

A list resolver looks ahead at what was selected under ``edges { node { ... } }`` and loads the
next level for the whole page with one ``load_many`` per loader (the same batched statements the
nested fields would have caused). The nested fields are then plain synchronous reads of the
loaders' caches: no coroutine, task or future per field, which is where a Python GraphQL server
spends most of its time on large pages (see ../shared/PERFORMANCE.md and bench/RESULTS.md).

Nested fields keep working on their own when nothing was prefetched: ``now_or_later`` falls back
to the loader.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeAlias, TypeVar

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")

Selection = SelectedField | FragmentSpread | InlineFragment
#: What a synchronous field resolver returns: the value, or an awaitable graphql-core awaits.
MaybeAwaitable: TypeAlias = R | Awaitable[R]


def now_or_later(loader: DataLoader[K, V], key: K, convert: Callable[[V], R]) -> R | Awaitable[R]:
    """The converted value at once when the loader already holds it, else an awaitable."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and not future.exception():
        return convert(future.result())
    return _later(loader.load(key), convert)


async def _later(pending: Awaitable[V], convert: Callable[[V], R]) -> R:
    return convert(await pending)


def fields_under(selections: Iterable[Selection], *path: str) -> list[SelectedField]:
    """The fields selected at ``path`` below ``selections`` (fragments flattened)."""
    level = _flatten(selections)
    for name in path:
        level = _flatten(
            child for field in level if field.name == name for child in field.selections
        )
    return level


def _flatten(selections: Iterable[Selection]) -> list[SelectedField]:
    flat: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            flat.append(selection)
        else:
            flat.extend(_flatten(selection.selections))
    return flat


def node_fields(info: strawberry.Info[Any]) -> list[SelectedField]:
    """What the current connection field selects under ``edges { node { ... } }``."""
    return fields_under(info.selected_fields, info.field_name, "edges", "node")


def int_argument(field: SelectedField, name: str) -> int | None:
    """An ``Int`` argument as the resolver will see it.

    Strawberry hands literal arguments over as their source text (``"5"``) and variables
    coerced; validation has already checked that either is a valid Int.
    """
    value = field.arguments.get(name)
    return int(value) if isinstance(value, str) else value


def asks_for(field: SelectedField, name: str) -> bool:
    return any(f.name == name for f in _flatten(field.selections))


async def gather_quietly(*loads: Awaitable[Any]) -> list[Any]:
    """Run prefetches together; a failed one is left to the field that needs it to report."""
    results = await asyncio.gather(*loads, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result  # cancellation and the like are not ours to swallow
    return [None if isinstance(r, BaseException) else r for r in results]
