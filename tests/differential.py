"""Differential check of the executor, on every query the test suite sends.

``schema/executor.py`` replaces graphql-core's per-field work for plain attribute fields. This
plugin (registered in ``tests/conftest.py``) runs every *query* a test sends a second time,
right after the real one, through Strawberry's default execution context with a fresh context
of the same request (viewer, instant, request id), and fails the test unless both results are
identical: data (with key order), errors (message, locations, path, extensions) and response
extensions. Mutations run once (running
them twice would change what they change); their payloads are still completed by the fast
executor and asserted by the tests themselves. So are queries that write (an export records
itself in the audit log): a query whose real run sent an INSERT, UPDATE or DELETE is not
replayed.

The replay stays invisible to the test: its SQL statements are removed from the test's
``statements`` counter and it is not counted in the request's log line or metrics.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from db.engine import StatementCounter
from observability import current_stats
from resolvers.context import RequestContext, RequestDatabase
from schema import CrmSchema
from schema.executor import FastExecutor


@dataclass
class Differential:
    compared: int = 0
    mismatches: list[str] = field(default_factory=list)

    def compare(self, query: str, variables: Any, fast: Any, reference: Any) -> None:
        self.compared += 1
        mine, theirs = _canonical(fast), _canonical(reference)
        if mine != theirs:
            self.mismatches.append(
                f"query: {query}\nvariables: {variables}\nfast:      {mine}\nreference: {theirs}"
            )


def _canonical(result: Any) -> str:
    errors = [_error(error) for error in result.errors or ()]
    body = {"data": result.data, "errors": errors, "extensions": result.extensions}
    return json.dumps(body, default=str)


def _error(error: GraphQLError) -> dict[str, Any]:
    return {
        "message": error.message,
        "locations": [tuple(location) for location in error.locations or ()],
        "path": error.path,
        "extensions": error.extensions,
    }


def _fresh(context: RequestContext) -> RequestContext:
    """The same request (viewer, instant, request id) with its own session and loaders: the
    first run's ORM rows and caches must not leak into the replay."""
    return RequestContext(
        services=context.services,
        db=RequestDatabase(context.services.sessionmaker),
        now=context.now,
        request_id=context.request_id,
        client_address=context.client_address,
        viewer_or_none=context.viewer_or_none,
    )


def _writes(statement: str) -> bool:
    return statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


def is_query(query: str | None, operation_name: str | None) -> bool:
    try:
        document = parse(query or "")
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    return len(operations) == 1 and operations[0].operation is OperationType.QUERY


@pytest.fixture(autouse=True)
def differential(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, statements: StatementCounter
) -> Iterator[Differential]:
    record = Differential()
    if request.node.get_closest_marker("no_differential"):
        # A test that observes each execution itself (e.g. its trace spans) must see one.
        yield record
        return
    execute = CrmSchema.execute

    async def execute_both(self: CrmSchema, query: str | None, *args: Any, **kwargs: Any) -> Any:
        before = len(statements.statements)
        result = await execute(self, query, *args, **kwargs)
        if (
            self.execution_context_class is not FastExecutor
            or not is_query(query, kwargs.get("operation_name"))
            or any(_writes(statement) for statement in statements.statements[before:])
            or not isinstance(kwargs.get("context_value"), RequestContext)
        ):
            return result
        baseline = copy.copy(self)
        baseline.execution_context_class = StrawberryGraphQLCoreExecutionContext
        counted, recorded = statements.count, len(statements.statements)
        token = current_stats.set(None)
        context = _fresh(kwargs["context_value"])
        try:
            replay = {**kwargs, "context_value": context}
            reference = await execute(baseline, query, *args, **replay)
        finally:
            await context.db.close()
            current_stats.reset(token)
            statements.count = counted
            del statements.statements[recorded:]
            del statements.parameters[recorded:]
        record.compare(query or "", kwargs.get("variable_values"), result, reference)
        return result

    monkeypatch.setattr(CrmSchema, "execute", execute_both)
    yield record
    assert not record.mismatches, "fast executor differs from graphql-core:\n" + "\n\n".join(
        record.mismatches
    )
