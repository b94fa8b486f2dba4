"""File downloads over plain HTTP (browsers save these; GraphQL returns text, not files).

- ``GET /exports/portfolios/{portfolioGlobalId}/{billing|metric}.csv``: one portfolio CSV.
- ``GET /exports/account.zip``: the account's full export, one CSV per entity.

Both need ``Authorization: Bearer <token>``: 401 JSON without a valid token, 404 for an unknown
or invisible portfolio (or an unknown kind), 403 when the viewer may not take the export. Taking
a download records it once its last byte has been sent (a HEAD, or a download that breaks off,
records nothing). Accepted downloads stream
(``StreamingResponse``): rows are encoded as they are read, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from db.enums import PortfolioExportKind
from resolvers.auth import authenticate, bearer_token
from resolvers.context import (
    RequestContext,
    RequestDatabase,
    Services,
    SessionEnded,
)
from resolvers.errors import BusinessError, ErrorCode
from resolvers.exports import ExportStream, open_account_export, open_portfolio_export

_STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.FORBIDDEN: 403}
_KINDS = {kind.value.lower(): kind for kind in PortfolioExportKind}


def _error(status: int, code: ErrorCode, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"code": code.value, "message": message}}, status_code=status, headers=headers
    )


def _headers(export: ExportStream) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def _download(export: ExportStream) -> Response:
    return StreamingResponse(
        export.chunks, media_type=export.content_type, headers=_headers(export)
    )


def _download_headers(export: ExportStream) -> Response:
    return Response(media_type=export.content_type, headers=_headers(export))


async def _serve(
    request: Request, open_export: Callable[[RequestContext], Awaitable[ExportStream]]
) -> Response:
    """Authenticate, check with ``open_export`` in a request context of its own, map refusals to
    statuses; the accepted export streams (on a database connection of its own) as produced."""
    services: Services = request.app.state.services
    ctx = RequestContext(
        services=services,
        db=RequestDatabase(services.sessionmaker),
        now=services.clock.now(),
        request_id=getattr(request.state, "request_id", ""),
    )
    try:
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            async with ctx.db.read() as session:
                ctx.viewer_or_none = await authenticate(session, token, ctx.now)
        viewer = ctx.viewer_or_none
        if viewer is None:
            return _error(401, ErrorCode.UNAUTHENTICATED, "Send 'Authorization: Bearer <token>'.")
        ctx.db.guard_writes(viewer.account_id, viewer.session_id)
        try:
            export = await open_export(ctx)
        except SessionEnded:
            return _error(401, ErrorCode.UNAUTHENTICATED, "Your session has ended.")
        except BusinessError as refusal:
            first = refusal.errors[0]
            return _error(_STATUS.get(first.code, 400), first.code, first.message)
    finally:
        await ctx.db.close()  # the checks' session; the stream reads through its own snapshot
    if request.method == "HEAD":
        # Starlette answers HEAD on GET routes: the headers only, and nothing produced, so a
        # HEAD never counts as a download.
        await export.chunks.aclose()
        return _download_headers(export)
    return _download(export)


async def portfolio_csv(request: Request) -> Response:
    portfolio_id = str(request.path_params["portfolio_id"])
    kind = _KINDS.get(str(request.path_params["kind"]))

    async def open_export(ctx: RequestContext) -> ExportStream:
        if kind is None:
            raise BusinessError.of(ErrorCode.NOT_FOUND, "Exports are billing.csv or metric.csv.")
        return await open_portfolio_export(ctx, portfolio_id, kind)

    return await _serve(request, open_export)


async def account_zip(request: Request) -> Response:
    async def open_export(ctx: RequestContext) -> ExportStream:
        return open_account_export(ctx)

    return await _serve(request, open_export)


portfolio_export_route = Route(
    "/exports/portfolios/{portfolio_id}/{kind}.csv", portfolio_csv, methods=["GET"]
)
account_export_route = Route("/exports/account.zip", account_zip, methods=["GET"])
