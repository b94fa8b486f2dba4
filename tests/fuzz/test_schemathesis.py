"""Property-based fuzzing of the whole GraphQL API with schemathesis.

Every root query and mutation gets a bounded number of generated requests, sent with a valid
token through the real ASGI app; any 5xx or any response that violates the schema fails.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.validation import is_schema_violation

from db.engine import create_engine, create_sessionmaker
from server import create_app

EXAMPLES_PER_OPERATION = 6

# Our custom scalars: decimals as strings (valid and not), ISO instants and dates (valid and not).
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str), st.text()).map(
        nodes.String
    ),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()), st.text()).map(
        nodes.String
    ),
)
schemathesis.graphql.scalar("Date", st.one_of(st.dates().map(str), st.text()).map(nodes.String))


@pytest.fixture
async def fuzz_token(factory):
    acme = await factory.account(free_seats=1)
    regular = await factory.user(acme)
    await factory.contacts(acme, 5, owner=regular)
    await factory.deals(acme, 2, owner=regular)
    return acme.owner.token


def test_generated_requests_never_break_the_server(fuzz_token, database_url, services):
    url, search_path = database_url
    # The ASGI test client runs the app on its own event loop: give it its own engine.
    engine = create_engine(url, search_path=search_path, pooled=False)
    app = create_app(
        services=dataclasses.replace(
            services, engine=engine, sessionmaker=create_sessionmaker(engine)
        )
    )
    schema = schemathesis.graphql.from_asgi("/graphql", app)
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if operation.label in {"Mutation.logout", "Mutation.closeAccount"}:
            continue  # they end the token's session, so later operations would only test auth

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            body = response.json()
            assert isinstance(body, dict)
            errors = body.get("errors") or []
            # Deliberate errors (bad page size, unknown id, ...) are fine; each must carry a code,
            # none may be a masked crash, and no non-null field may come back null.
            for error in errors:
                assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (case.body, error)
            assert not any(is_schema_violation([error]) for error in errors), (case.body, errors)

        run()
        checked += 1
    assert checked >= 25
