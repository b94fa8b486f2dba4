"""``schema.prefetch.load_level``: a level's keys loaded with one batch call, as ``load_many``
would leave them in the loader (values, failures, keys another reader is loading)."""

from __future__ import annotations

import asyncio

import pytest
from strawberry.dataloader import DataLoader

from schema.prefetch import load_level


async def test_loads_only_what_is_missing_and_caches_failures_like_the_loader():
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
    with pytest.raises(ValueError, match="no 3"):  # the field reports it, from the cache
        await loader.load(3)
    assert calls == [[2, 3, 4]]


async def test_readers_of_the_same_keys_share_one_batch_call():
    calls: list[list[int]] = []
    release = asyncio.Event()

    async def batch(keys: list[int]) -> list[int]:
        calls.append(keys)
        await release.wait()
        return keys

    loader = DataLoader[int, int](batch)
    first = asyncio.create_task(load_level(loader, [1, 2]))
    await asyncio.sleep(0)  # the first level is loading
    second = asyncio.create_task(load_level(loader, [1, 2]))
    by_resolver = loader.load(2)
    await asyncio.sleep(0)
    assert not second.done()  # it waits for the keys being loaded
    release.set()
    await asyncio.gather(first, second)
    assert calls == [[1, 2]]
    assert await by_resolver == 2


async def test_a_failing_batch_fails_each_key_and_nothing_else():
    async def batch(keys: list[int]) -> list[int]:
        raise RuntimeError("database down")

    loader = DataLoader[int, int](batch)
    await load_level(loader, [1, 2])
    for key in (1, 2):
        with pytest.raises(RuntimeError, match="database down"):
            await loader.load(key)


async def test_nothing_missing_costs_no_batch_call():
    async def batch(keys: list[int]) -> list[int]:
        raise AssertionError("not called")

    loader = DataLoader[int, int](batch)
    loader.prime_many({1: 1, 2: 2})
    await load_level(loader, [1, 2])
