"""Login throttling that cannot be raced: state in the database, attempts reserved up front.

The sequential rule (tests/auth/test_sessions.py): three free failures per email, the fourth
starts the back-off, the fifth attempt is refused. Bursts, a second app instance on the same
database, and many users behind one address must all see that same rule.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from db.engine import create_engine, create_sessionmaker
from db.models import ThrottleCounter
from resolvers import throttle
from resolvers.context import Services
from server import create_app
from tests.api import GraphQLClient
from tests.auth.test_sessions import LOGIN
from tests.factories import PASSWORD

EMAIL = "owner@acmecorp.example"
#: Attempts looked at before the limit: three free failures plus the one that starts the back-off.
EVALUATED_BEFORE_LIMIT = 4


def _outcome(body: dict[str, Any]) -> str:
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    payload = body["data"]["login"]
    return "OK" if payload["token"] else str(payload["userErrors"][0]["code"])


async def _login(api: GraphQLClient, email: str, password: str) -> str:
    return _outcome(await api.execute(LOGIN, {"email": email, "password": password}))


async def test_a_burst_of_wrong_guesses_meets_the_limit_after_the_sequential_count(api, factory):
    await factory.account()
    burst = await asyncio.gather(*(_login(api, EMAIL, "wrong") for _ in range(12)))
    assert burst.count("UNAUTHENTICATED") == EVALUATED_BEFORE_LIMIT
    assert burst.count("RATE_LIMITED") == 12 - EVALUATED_BEFORE_LIMIT
    # The right password, in a burst after the limit, is refused like the wrong ones.
    late = await asyncio.gather(
        *(_login(api, EMAIL, "wrong") for _ in range(5)), _login(api, EMAIL, PASSWORD)
    )
    assert set(late) == {"RATE_LIMITED"}


async def test_a_right_password_inside_the_burst_does_not_widen_it(api, factory):
    await factory.account()
    outcomes = await asyncio.gather(
        *(_login(api, EMAIL, "wrong") for _ in range(10)), _login(api, EMAIL, PASSWORD)
    )
    # Whatever order the attempts were reserved in, at most four were looked at before the
    # limit (a success gives back only its own attempt); the right one got in only if it was
    # among them.
    looked_at = [o for o in outcomes if o != "RATE_LIMITED"]
    assert len(looked_at) <= EVALUATED_BEFORE_LIMIT + 1
    assert outcomes.count("UNAUTHENTICATED") <= EVALUATED_BEFORE_LIMIT


@pytest.fixture
async def second_instance(database_url, services):
    """Another app on the same database, with an engine and pool of its own (another worker)."""
    url, search_path = database_url
    engine = create_engine(url, search_path=search_path)
    app = create_app(
        services=Services(
            settings=services.settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            clock=services.clock,
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield GraphQLClient(client)
    await engine.dispose()


async def test_two_app_instances_share_the_limit(api, second_instance, factory):
    await factory.account()
    instances = [api, second_instance]
    outcomes = [await _login(instances[i % 2], EMAIL, "wrong") for i in range(6)]
    assert outcomes == ["UNAUTHENTICATED"] * EVALUATED_BEFORE_LIMIT + ["RATE_LIMITED"] * 2
    both = await asyncio.gather(
        *(_login(instance, EMAIL, "wrong") for instance in instances for _ in range(3))
    )
    assert set(both) == {"RATE_LIMITED"}


async def test_a_concurrent_burst_across_two_instances_meets_one_limit(
    api, second_instance, factory
):
    await factory.account()
    burst = await asyncio.gather(
        *(_login(instance, EMAIL, "wrong") for instance in (api, second_instance) for _ in range(6))
    )
    assert burst.count("UNAUTHENTICATED") == EVALUATED_BEFORE_LIMIT


async def test_failures_on_other_emails_do_not_lock_out_valid_users_at_that_address(api, factory):
    await factory.account()
    for i in range(25):  # one bad actor behind the shared proxy (everyone here is 127.0.0.1)
        assert await _login(api, f"guess{i}@x.example", "nope") == "UNAUTHENTICATED"
    assert await _login(api, EMAIL, PASSWORD) == "OK"


async def test_an_address_spraying_many_emails_meets_the_address_ceiling(api, factory, monkeypatch):
    await factory.account()
    monkeypatch.setattr(throttle, "ADDRESS_POLICY", throttle.ThrottlePolicy(free_failures=6))
    outcomes = [await _login(api, f"guess{i}@x.example", "nope") for i in range(8)]
    assert outcomes == ["UNAUTHENTICATED"] * 7 + ["RATE_LIMITED"]
    assert await _login(api, EMAIL, PASSWORD) == "RATE_LIMITED"


async def test_a_success_gives_only_its_own_attempt_back(api, factory, sessionmaker):
    await factory.account()
    for _ in range(2):
        await _login(api, EMAIL, "wrong")
    assert await _login(api, EMAIL, PASSWORD) == "OK"
    async with sessionmaker() as session:
        rows = (await session.execute(select(ThrottleCounter.key, ThrottleCounter.failures))).all()
    # The two failures stay counted on every key (until forgotten): a success racing a burst of
    # guesses must not give the guesses a fresh allowance.
    assert sorted((key.split(":")[0], failures) for key, failures in rows) == [
        ("address", 2),
        ("address-email", 2),
        ("email", 2),
    ]
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).where(ThrottleCounter.key.contains("acmecorp"))
        )
    assert stored == 0  # keys are digests: no email in clear


def test_back_off_doubles_after_the_free_failures_and_is_capped():
    policy = throttle.ThrottlePolicy(free_failures=3)
    delays = [policy.delay_after(n) for n in range(1, 8)]
    assert [d.total_seconds() if d else None for d in delays] == [
        None,
        None,
        None,
        1,
        2,
        4,
        8,
    ]
    assert policy.delay_after(1000) == policy.max_delay
