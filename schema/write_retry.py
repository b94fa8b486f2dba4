"""Root fields run again when their write transaction lost a deadlock or serialization race.

Every mutation (and the few queries that write: previews, exports) writes inside
``RequestDatabase.write()``. When PostgreSQL picks it as a deadlock victim (40P01), reports a
serialization failure (40001), or SQLite stays locked past the busy timeout, the transaction
has been rolled back and nothing of it is left; the root field is then run again from its start
with fresh loaders and memo (``RequestContext.reset_for_retry``), a few times at most
(``resolvers.context.with_write_retry``). The client sees one answer, never the conflict.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema

from resolvers.context import RequestContext, with_write_retry


def _retrying(resolve: Callable[..., Any]) -> Callable[..., Any]:
    async def resolve_with_retry(root: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        async def attempt() -> Any:
            result = resolve(root, info, **args)
            return await result if inspect.isawaitable(result) else result

        ctx = info.context
        if not isinstance(ctx, RequestContext):
            return await attempt()
        return await with_write_retry(ctx.db, attempt, before_retry=ctx.reset_for_retry)

    return resolve_with_retry


def retry_conflicting_writes(schema: GraphQLSchema) -> None:
    """Wrap the resolver of every root query and mutation field."""
    for root in (schema.query_type, schema.mutation_type):
        if root is None:
            continue
        for field in root.fields.values():
            _wrap(field)


def _wrap(field: GraphQLField) -> None:
    if field.resolve is not None:
        field.resolve = _retrying(field.resolve)
