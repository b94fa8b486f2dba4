"""A request's loaded rows and API objects are freed when its response is sent, not left for
Python's cyclic garbage collector (whose every pass would walk them again until then)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator

import pytest

from bench.operations import USERS_PAGE

#: Types a users page builds by the hundred; none may be part of cyclic garbage.
PAGE_TYPES = {"Contact", "Edge", "Connection", "User", "Seat", "OwnedItemCounts", "Row", "Future"}


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.no_differential  # the replay through a second executor keeps its own copies
async def test_a_users_page_leaves_no_cyclic_garbage(api, factory, saved_garbage):
    acme = await factory.account()
    for number in range(3):
        user = await factory.user(acme, name=f"User {number}")
        await factory.contacts(acme, 4, owner=user)
    await api.data(USERS_PAGE, token=acme.owner.token)  # warm: plans, parse cache, pools
    gc.collect()
    saved_garbage.clear()

    data = await api.data(USERS_PAGE, token=acme.owner.token)
    gc.collect()

    assert len(data["users"]["edges"]) == 4
    left = Counter(type(item).__name__ for item in saved_garbage)
    assert {name: left[name] for name in PAGE_TYPES if left[name]} == {}


def test_a_server_hides_its_start_up_objects_from_the_collector(tmp_path):
    """...and collects young objects less often (``server.tune_collector_for_serving``)."""
    from starlette.testclient import TestClient

    from config import Settings
    from db.migrate import upgrade
    from server import YOUNG_COLLECTION_THRESHOLD, create_app

    url = f"sqlite+aiosqlite:///{tmp_path / 'frozen.db'}"
    upgrade(url)
    frozen_before = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    try:
        with TestClient(create_app(Settings(database_url=url))) as client:
            assert client.get("/healthz").status_code == 200
            assert gc.get_freeze_count() > frozen_before
            assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    finally:
        gc.unfreeze()  # the test process's own objects go back to the collector
        gc.set_threshold(*thresholds)
