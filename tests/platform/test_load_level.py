"""``schema.prefetch.load_level``: a level's keys loaded with one batch call, primed."""

from __future__ import annotations

import asyncio

import pytest
from strawberry.dataloader import DataLoader

from schema.prefetch import load_level


async def test_loads_only_what_is_missing_and_leaves_failures_to_the_field():
    calls: list[list[int]] = []

    async def batch(keys: list[int]) -> list[object]:
        calls.append(keys)
        return [ValueError(f"no {key}") if key == 3 else key * 10 for key in keys]

    loader = DataLoader[int, object](batch)
    loader.prime(1, "already")
    cancelled = asyncio.get_running_loop().create_future()
    cancelled.cancel()
    loader.cache_map.set(2, cancelled)

    await load_level(loader, [1, 2, 3, 4])

    assert calls == [[2, 3, 4]]
    assert await loader.load(1) == "already"
    assert await loader.load(2) == 20  # the cancelled load was replaced
    assert await loader.load(4) == 40
    assert loader.cache_map.get(3) is None  # the failure was not cached as a value
    with pytest.raises(ValueError, match="no 3"):  # the field's own load reports it
        await loader.load(3)
    assert calls == [[2, 3, 4], [3]]


async def test_nothing_missing_costs_no_batch_call():
    async def batch(keys: list[int]) -> list[int]:
        raise AssertionError("not called")

    loader = DataLoader[int, int](batch)
    loader.prime_many({1: 1, 2: 2})
    await load_level(loader, [1, 2])
