"""``/scim/v2/``: SCIM 2.0 (RFC 7643 / 7644) over Starlette, mounted beside ``/graphql``.

Every request needs ``Authorization: Bearer <SCIM token>`` (401 otherwise; a session token is
not a SCIM token). Each request counts against the token's rate limit (the shared database
throttle, scope ``scim``: ``REQUESTS_PER_MINUTE`` per token and clock minute; 429 past it) and
notes the token's last use. Every answer is ``application/scim+json``; every refusal is a SCIM
error (``status``, ``scimType``, ``detail``), never a 500 for a bad request.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson
from pydantic import ValidationError
from scim2_models import Context, Error, PatchOp, SCIMException, ScimFilter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from resolvers import throttle
from resolvers.auth import bearer_token
from resolvers.billing import roll_over_if_due
from resolvers.context import RequestContext, RequestDatabase, Services, SessionEnded
from resolvers.context import with_write_retry as _with_write_retry
from resolvers.errors import BusinessError, ErrorCode
from resolvers.scim import ScimActor, authenticate_scim, note_use
from resolvers.scim import users as scim_users
from resolvers.scim.resources import (
    MAX_FILTER_LENGTH,
    MAX_RESULTS,
    USER_SCHEMA,
    RequestUser,
    as_request_user,
    crm_user,
    desired_user,
    dump,
    service_provider_config,
    user_resource_type,
    user_schema,
)

logger = logging.getLogger("crm_admin.scim")

MEDIA_TYPE = "application/scim+json"
#: Requests one SCIM token may send per clock minute (README "Connect your identity provider").
REQUESTS_PER_MINUTE = 600
#: Largest request body read (a user is well under 10 kB).
MAX_BODY_BYTES = 64 * 1024
_SCOPE = "scim"
_POLICY = throttle.ThrottlePolicy(
    free_failures=REQUESTS_PER_MINUTE - 1,  # the Nth request sets the block, the next waits
    max_delay=timedelta(minutes=1),
    forget_after=timedelta(minutes=2),
)


class ScimRefusal(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def scim_response(body: dict[str, Any] | None, status: int = 200, **headers: str) -> Response:
    content = orjson.dumps(body) if body is not None else b""
    return Response(content, status_code=status, media_type=MEDIA_TYPE, headers=headers or None)


def error_response(refusal: ScimRefusal) -> Response:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(refusal.status),
        "detail": refusal.detail,
    }
    if refusal.scim_type:
        body["scimType"] = refusal.scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if refusal.status == 401 else {}
    if refusal.status == 429:
        headers["Retry-After"] = refusal.scim_type or "60"
        body.pop("scimType", None)
    return scim_response(body, refusal.status, **headers)


_BUSINESS_STATUS = {
    ErrorCode.NOT_FOUND: (404, None),
    ErrorCode.CONFLICT: (409, "uniqueness"),
    ErrorCode.INVALID_INPUT: (400, "invalidValue"),
    ErrorCode.FORBIDDEN: (403, None),
    ErrorCode.SEAT_PURCHASE_REQUIRED: (403, None),
    ErrorCode.NO_FREE_SEAT: (403, None),
}


def _business_refusal(error: BusinessError) -> ScimRefusal:
    first = error.errors[0]
    status, scim_type = _BUSINESS_STATUS.get(first.code, (400, None))
    detail = first.message
    if first.code in (ErrorCode.SEAT_PURCHASE_REQUIRED, ErrorCode.NO_FREE_SEAT):
        detail = (
            "A seat is needed: the account has no free seat and does not let SCIM buy seats "
            "(an admin adds seats, or allows SCIM purchases in the SCIM settings)."
        )
    return ScimRefusal(status, f"{detail} ({first.code.value})", scim_type)


# --------------------------------------------------------------------------- requests


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


def _has_bad_text(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_has_bad_text(k) or _has_bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_bad_text(item) for item in value)
    return False


async def _json_body(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in (MEDIA_TYPE, "application/json"):
        raise ScimRefusal(
            400, f"Send a JSON body with 'Content-Type: {MEDIA_TYPE}'.", "invalidSyntax"
        )
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ScimRefusal(413, f"The body is over {MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ScimRefusal(400, "The body is not valid JSON.", "invalidSyntax") from None
    if not isinstance(data, dict):
        raise ScimRefusal(400, "The body must be a JSON object.", "invalidSyntax")
    if _has_bad_text(data):
        raise ScimRefusal(400, "Text may not hold NUL or lone surrogates.", "invalidValue")
    return data


def _validation_refusal(error: ValidationError) -> ScimRefusal:
    first = error.errors()[0]
    try:
        scim_error = Error.from_validation_error(first)
        return ScimRefusal(
            400, scim_error.detail or "Invalid request.", scim_error.scim_type or "invalidValue"
        )
    except Exception:  # an error scim2-models cannot describe is still a bad request
        return ScimRefusal(400, str(first.get("msg", "Invalid request.")), "invalidValue")


def _parse_user(data: dict[str, Any], context: Context) -> Any:
    if USER_SCHEMA not in (data.get("schemas") or []):
        raise ScimRefusal(400, f"'schemas' must list {USER_SCHEMA}.", "invalidSyntax")
    try:
        return RequestUser.model_validate(data, scim_ctx=context)
    except ValidationError as error:
        raise _validation_refusal(error) from None


def _int_param(name: str, raw: object, default: int, minimum: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ScimRefusal(400, f"'{name}' must be an integer.", "invalidValue")
    try:
        value = int(raw)
    except ValueError:
        raise ScimRefusal(400, f"'{name}' must be an integer.", "invalidValue") from None
    return max(minimum, value)


def _parsed_filter(text: str | None) -> Any:
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_LENGTH:
        raise ScimRefusal(
            400, f"The filter is over {MAX_FILTER_LENGTH} characters.", "invalidFilter"
        )
    try:
        return ScimFilter(text).ast
    except Exception:  # the grammar's own errors: any of them means "not a SCIM filter"
        raise ScimRefusal(400, "The filter is not a valid SCIM filter.", "invalidFilter") from None


# --------------------------------------------------------------------------- the door


Handler = Callable[[Request, RequestContext, ScimActor], Awaitable[Response]]


async def _admit(ctx: RequestContext, token: str | None) -> ScimActor:
    """The SCIM token's actor, its request counted (rate limit) and its use noted."""
    if token is None:
        raise ScimRefusal(401, "Send 'Authorization: Bearer <SCIM token>'.")
    async with ctx.db.read() as session:
        actor = await authenticate_scim(session, token, ctx.now)
    if actor is None:
        raise ScimRefusal(401, "The SCIM token is unknown or revoked.")
    assert actor.viewer.scim_token_id is not None
    minute = int(ctx.now.timestamp() // 60)
    key = throttle.ThrottleKey("token", f"{actor.viewer.scim_token_id}:{minute}", _POLICY)
    try:
        async with ctx.db.write(account_id=actor.viewer.account_id) as session:
            await throttle.reserve(session, _SCOPE, [key], ctx.now)
            await note_use(session, actor.viewer.scim_token_id, ctx.now)
    except throttle.Throttled as refused:
        seconds = max(1, math.ceil(refused.retry_after.total_seconds()))
        raise ScimRefusal(429, "Too many SCIM requests: slow down.", str(seconds)) from None
    ctx.viewer_or_none = actor.viewer
    ctx.db.guard_writes(actor.viewer.account_id, None)
    period_end = actor.viewer.period_ends_at
    if period_end is not None and period_end <= ctx.now:
        await _with_write_retry(ctx.db, lambda: _roll_over(ctx, actor.viewer.account_id))
    return actor


async def _roll_over(ctx: RequestContext, account_id: int) -> None:
    async with ctx.db.write() as session:
        await roll_over_if_due(session, account_id, ctx.now)


def scim_view(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        services: Services = request.app.state.services
        database = getattr(request.state, "database", None)
        ctx = RequestContext(
            services=services,
            db=database
            if isinstance(database, RequestDatabase)
            else RequestDatabase(services.sessionmaker),
            now=services.clock.now(),
            request_id=getattr(request.state, "request_id", ""),
            client_address=request.client.host if request.client else None,
        )
        try:
            actor = await _admit(ctx, bearer_token(request.headers.get("authorization")))
            return await _with_write_retry(
                ctx.db, lambda: handler(request, ctx, actor), before_retry=ctx.reset_for_retry
            )
        except ScimRefusal as refusal:
            return error_response(refusal)
        except BusinessError as error:
            return error_response(_business_refusal(error))
        except SessionEnded:
            return error_response(ScimRefusal(401, "The SCIM token's account has ended."))
        except Exception:  # masked like GraphQL's unexpected errors, logged with the request id
            logger.exception("SCIM request failed (request id %s)", ctx.request_id)
            return error_response(
                ScimRefusal(500, f"Internal error (request id {ctx.request_id}).")
            )

    return endpoint


# --------------------------------------------------------------------------- discovery


def _list(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


async def get_service_provider_config(
    request: Request, _ctx: RequestContext, _actor: ScimActor
) -> Response:
    return scim_response(dump(service_provider_config(_base_url(request))))


async def get_resource_types(request: Request, _ctx: RequestContext, _a: ScimActor) -> Response:
    return scim_response(_list([dump(user_resource_type(_base_url(request)))]))


async def get_resource_type(request: Request, _ctx: RequestContext, _a: ScimActor) -> Response:
    if request.path_params["name"] != "User":
        raise ScimRefusal(404, "This server serves the User resource type only.")
    return scim_response(dump(user_resource_type(_base_url(request))))


async def get_schemas(request: Request, _ctx: RequestContext, _a: ScimActor) -> Response:
    return scim_response(_list([dump(user_schema(_base_url(request)))]))


async def get_schema(request: Request, _ctx: RequestContext, _a: ScimActor) -> Response:
    if request.path_params["urn"] != USER_SCHEMA:
        raise ScimRefusal(404, "This server publishes the core User schema only.")
    return scim_response(dump(user_schema(_base_url(request))))


# --------------------------------------------------------------------------- users


def _user_response(request: Request, user: Any, status: int = 200) -> Response:
    resource = crm_user(user, _base_url(request))
    context = (
        Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    )
    assert resource.meta is not None
    return scim_response(dump(resource, context), status, Location=str(resource.meta.location))


async def list_users(request: Request, ctx: RequestContext, actor: ScimActor) -> Response:
    params = request.query_params
    return await _search(
        request, ctx, actor, params.get("filter"), params.get("startIndex"), params.get("count")
    )


async def search_users(request: Request, ctx: RequestContext, actor: ScimActor) -> Response:
    """POST /Users/.search (RFC 7644 3.4.3): the same search, its parameters in the body."""
    data = await _json_body(request)
    if "urn:ietf:params:scim:api:messages:2.0:SearchRequest" not in (data.get("schemas") or []):
        raise ScimRefusal(400, "'schemas' must list the SearchRequest URN.", "invalidSyntax")
    text = data.get("filter")
    if text is not None and not isinstance(text, str):
        raise ScimRefusal(400, "'filter' must be a string.", "invalidFilter")
    return await _search(request, ctx, actor, text, data.get("startIndex"), data.get("count"))


async def _search(
    request: Request,
    ctx: RequestContext,
    actor: ScimActor,
    filter_text: str | None,
    start_index: object,
    count_param: object,
) -> Response:
    condition = _parsed_filter(filter_text)
    start = _int_param("startIndex", start_index, 1, 1)
    count = min(_int_param("count", count_param, MAX_RESULTS, 0), MAX_RESULTS)
    try:
        page = await scim_users.list_users(ctx, actor, condition, start, count)
    except scim_users.UnsupportedFilter as unsupported:
        raise ScimRefusal(400, str(unsupported), "invalidFilter") from None
    base = _base_url(request)
    resources = [dump(crm_user(user, base)) for user in page.users]
    return scim_response(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": page.total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


async def get_user(request: Request, ctx: RequestContext, actor: ScimActor) -> Response:
    user = await scim_users.get_user(ctx, actor, request.path_params["user_id"])
    return _user_response(request, user)


async def create_user(request: Request, ctx: RequestContext, actor: ScimActor) -> Response:
    resource = _parse_user(await _json_body(request), Context.RESOURCE_CREATION_REQUEST)
    user = await scim_users.provision(ctx, actor, desired_user(resource))
    return _user_response(request, user, 201)


async def replace_user(request: Request, ctx: RequestContext, actor: ScimActor) -> Response:
    gid = request.path_params["user_id"]
    await scim_users.get_user(ctx, actor, gid)  # 404 before any body complaint
    resource = _parse_user(await _json_body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    user = await scim_users.replace(ctx, actor, gid, desired_user(resource))
    return _user_response(request, user)


async def patch_user(request: Request, ctx: RequestContext, actor: ScimActor) -> Response:
    gid = request.path_params["user_id"]
    current = await scim_users.get_user(ctx, actor, gid)
    data = await _json_body(request)
    try:
        patch = PatchOp[RequestUser].model_validate(data, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        resource = as_request_user(current)
        patch.patch(resource)
    except ValidationError as error:
        raise _validation_refusal(error) from None
    except SCIMException as error:  # scim2-models' own refusals carry their status and type
        raise ScimRefusal(error.status, error.detail, error.scim_type or None) from None
    except (ValueError, LookupError, TypeError) as error:
        raise ScimRefusal(400, f"The patch cannot be applied: {error}", "invalidPath") from None
    user = await scim_users.replace(ctx, actor, gid, desired_user(resource))
    return _user_response(request, user)


async def delete_user(request: Request, ctx: RequestContext, actor: ScimActor) -> Response:
    await scim_users.remove(ctx, actor, request.path_params["user_id"])
    return Response(status_code=204)


async def not_found(_request: Request, _ctx: RequestContext, _a: ScimActor) -> Response:
    raise ScimRefusal(404, "No such SCIM endpoint on this server.")


async def search_everything(_request: Request, _ctx: RequestContext, _a: ScimActor) -> Response:
    raise ScimRefusal(501, "Search one resource type at a time: POST /Users/.search.")


async def not_allowed(request: Request, _ctx: RequestContext, _a: ScimActor) -> Response:
    raise ScimRefusal(405, f"{request.method} is not allowed here.")


_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]

scim_mount = Mount(
    "/scim/v2",
    routes=[
        Route("/ServiceProviderConfig", scim_view(get_service_provider_config), methods=["GET"]),
        Route("/ResourceTypes", scim_view(get_resource_types), methods=["GET"]),
        Route("/ResourceTypes/{name}", scim_view(get_resource_type), methods=["GET"]),
        Route("/Schemas", scim_view(get_schemas), methods=["GET"]),
        Route("/Schemas/{urn}", scim_view(get_schema), methods=["GET"]),
        Route("/Users", scim_view(list_users), methods=["GET"]),
        Route("/Users", scim_view(create_user), methods=["POST"]),
        Route("/Users/.search", scim_view(search_users), methods=["POST"]),
        Route("/.search", scim_view(search_everything), methods=["POST"]),
        Route("/Users/{user_id}", scim_view(get_user), methods=["GET"]),
        Route("/Users/{user_id}", scim_view(replace_user), methods=["PUT"]),
        Route("/Users/{user_id}", scim_view(patch_user), methods=["PATCH"]),
        Route("/Users/{user_id}", scim_view(delete_user), methods=["DELETE"]),
        # Known paths with another method: 405; anything else: 404 (SCIM errors both).
        *(
            Route(path, scim_view(not_allowed), methods=_ALL)
            for path in (
                "/ServiceProviderConfig",
                "/ResourceTypes",
                "/ResourceTypes/{name}",
                "/Schemas",
                "/Schemas/{urn}",
                "/Users",
                "/Users/{user_id}",
            )
        ),
        Route("/{rest:path}", scim_view(not_found), methods=_ALL),
    ],
)
