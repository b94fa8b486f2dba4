"""What ``/scim/v2/`` publishes (scim2-models): the User resource as this server keeps it, the
discovery documents, and the mapping between a ``users`` row and a SCIM User.

Requests are read with the full core User (plus the enterprise extension), so an identity
provider may send attributes this server does not keep (``title``, ``phoneNumbers``...): they are
accepted and ignored. Anything outside those schemas is refused (``invalidSyntax``). Responses
and the published schema are ``CrmUser``: only what is kept, so a provider (and the conformance
checker) sees exactly what round-trips.

Mapping: ``userName`` is the email (compared case-insensitively); ``displayName`` (or, when
absent, ``name.formatted``, else ``name.givenName`` + ``name.familyName``) is the name;
``emails`` and ``name`` are read-only echoes of them; ``externalId`` is kept as sent; ``active``
is ``status == ACTIVE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ComplexAttribute,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Meta,
    Mutability,
    Patch,
    Required,
    Resource,
    ResourceType,
    Returned,
    Schema,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
    User,
)
from scim2_models.urn import URN

from db.enums import UserStatus
from db.models import User as UserRow
from resolvers.ids import encode_global_id

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
#: Most users a list returns at once (``count`` above it is lowered to it).
MAX_RESULTS = 200
#: Longest ``filter`` read: enough for any real provider, bounded for the parser.
MAX_FILTER_LENGTH = 1000

#: What a request body is read with: every attribute of the core and enterprise schemas.
RequestUser = User[EnterpriseUser]


class CrmName(ComplexAttribute):
    formatted: Annotated[str | None, Mutability.read_only] = None
    """The user's name (the same as ``displayName``)."""


class CrmEmail(ComplexAttribute):
    value: Annotated[str | None, Mutability.read_only] = None
    """The user's email: the same as ``userName``."""

    primary: Annotated[bool | None, Mutability.read_only] = None
    """Always true: a user has one email."""


class CrmUser(Resource[Any]):
    """The User resource as this server keeps it."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The user's email, unique in the account (case-insensitive)."""

    name: Annotated[CrmName | None, Mutability.read_only] = None
    """The user's name, as ``formatted``."""

    display_name: Annotated[str | None, Required.true] = None
    """The user's name (1 to 200 characters)."""

    active: Annotated[bool | None, Required.true, Returned.always] = None
    """False for a deactivated user: they cannot sign in; their seat is released."""

    emails: Annotated[list[CrmEmail] | None, Mutability.read_only] = None
    """The user's one email (``userName``)."""


@dataclass(frozen=True)
class DesiredUser:
    """A provider's view of a user, as this server keeps it."""

    email: str
    name: str
    external_id: str | None
    active: bool


def desired_user(resource: User[Any]) -> DesiredUser:
    name = resource.display_name
    if not name and resource.name is not None:
        parts = [resource.name.given_name, resource.name.family_name]
        name = resource.name.formatted or " ".join(p for p in parts if p)
    return DesiredUser(
        email=(resource.user_name or "").strip(),
        name=(name or "").strip(),
        external_id=resource.external_id,
        active=resource.active is not False,
    )


def user_id(user: UserRow) -> str:
    return encode_global_id("User", user.id)


def crm_user(user: UserRow, base_url: str) -> CrmUser:
    changed = max(t for t in (user.created_at, user.deactivated_at) if t is not None)
    return CrmUser(
        id=user_id(user),
        external_id=user.external_id,
        user_name=user.email,
        name=CrmName(formatted=user.name),
        display_name=user.name,
        active=user.status is UserStatus.ACTIVE,
        emails=[CrmEmail(value=user.email, primary=True)],
        meta=Meta(
            resource_type="User",
            created=user.created_at,
            last_modified=changed,
            location=f"{base_url}/Users/{user_id(user)}",
        ),
    )


def as_request_user(user: UserRow) -> User[Any]:
    """The stored user in the request model: what a PATCH applies its operations to."""
    return RequestUser(
        external_id=user.external_id,
        user_name=user.email,
        display_name=user.name,
        active=user.status is UserStatus.ACTIVE,
    )


def dump(model: Any, context: Context = Context.RESOURCE_QUERY_RESPONSE) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(scim_ctx=context)
    return dumped


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="SCIM bearer token",
                description="Send 'Authorization: Bearer <SCIM token>' (createScimToken).",
                primary=True,
            )
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig", location=f"{base_url}/ServiceProviderConfig"
        ),
    )


def user_schema(base_url: str) -> Schema:
    schema = CrmUser.to_schema()
    schema.name = "User"
    schema.description = "A user of the account (the CRM's users)."
    schema.meta = Meta(resource_type="Schema", location=f"{base_url}/Schemas/{USER_SCHEMA}")
    return schema


def user_resource_type(base_url: str) -> ResourceType:
    resource_type = ResourceType(
        id="User",
        name="User",
        endpoint="/Users",
        description="The account's users.",
        schema_=URN(USER_SCHEMA),
        schema_extensions=[],
        meta=Meta(resource_type="ResourceType", location=f"{base_url}/ResourceTypes/User"),
    )
    return resource_type
