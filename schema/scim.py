"""SCIM tokens and settings (admins): what an identity provider needs to call ``/scim/v2/``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import models
from resolvers import scim
from resolvers.context import RequestContext
from resolvers.ids import encode_global_id
from schema.common import UserError
from schema.extensions import BusinessErrorsAsRequestErrors, mutation


@strawberry.type(
    description="A SCIM bearer token of the account (the token itself is never shown again)."
)
class ScimToken:
    id: strawberry.ID = strawberry.field(description="The token's id (for revokeScimToken).")
    name: str = strawberry.field(description="The admin's label, e.g. the identity provider.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    last_used_at: datetime | None = strawberry.field(
        description="When it last called /scim/v2/ (UTC); null if never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (UTC); null while it works."
    )

    @classmethod
    def from_row(cls, row: models.ScimToken) -> ScimToken:
        return cls(
            id=strawberry.ID(encode_global_id("ScimToken", row.id)),
            name=row.name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="How SCIM provisioning treats seats in this account.")
class ScimSettings:
    can_buy_seats: bool = strawberry.field(
        description="A SCIM POST or active:true may buy a seat when none is free (default false: "
        "the identity provider gets a 403 saying a seat is needed)."
    )
    schedules_seat_removal: bool = strawberry.field(
        description="A SCIM active:false schedules the user's seat for removal at the bill date "
        "(default false: the seat stays FREE)."
    )


@strawberry.input(description="A new SCIM token.")
class CreateScimTokenInput:
    name: str = strawberry.field(description="A label of 1 to 200 characters.")


@strawberry.input(description="The token to revoke.")
class RevokeScimTokenInput:
    token_id: strawberry.ID = strawberry.field(description="The ScimToken id.")


@strawberry.input(description="The account's SCIM seat settings (both are set).")
class UpdateScimSettingsInput:
    can_buy_seats: bool = strawberry.field(description="See ScimSettings.canBuySeats.")
    schedules_seat_removal: bool = strawberry.field(
        description="See ScimSettings.schedulesSeatRemoval."
    )


@strawberry.type(description="The result of createScimToken.")
class CreateScimTokenPayload:
    token: str | None = strawberry.field(
        default=None,
        description="The bearer token for /scim/v2/: shown this once, stored only as a hash.",
    )
    scim_token: ScimToken | None = strawberry.field(default=None, description="The new token.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="FORBIDDEN, INVALID_INPUT, INVALID_STATE (too many)."
    )


@strawberry.type(description="The result of revokeScimToken.")
class RevokeScimTokenPayload:
    scim_token: ScimToken | None = strawberry.field(default=None, description="The token.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="FORBIDDEN, NOT_FOUND."
    )


@strawberry.type(description="The result of updateScimSettings.")
class UpdateScimSettingsPayload:
    scim_settings: ScimSettings | None = strawberry.field(
        default=None, description="The settings now in force."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="FORBIDDEN.")


@strawberry.type
class ScimQuery:
    @strawberry.field(
        description="The account's SCIM tokens, revoked ones too, oldest first (admins only; "
        "FORBIDDEN otherwise).",
        extensions=[BusinessErrorsAsRequestErrors(None)],
    )
    async def scim_tokens(self, info: strawberry.Info[RequestContext]) -> list[ScimToken]:
        return [ScimToken.from_row(row) for row in await scim.list_tokens(info.context)]

    @strawberry.field(
        description="How SCIM provisioning treats seats (admins only; FORBIDDEN otherwise).",
        extensions=[BusinessErrorsAsRequestErrors(None)],
    )
    async def scim_settings(self, info: strawberry.Info[RequestContext]) -> ScimSettings:
        data = await scim.read_settings(info.context)
        return ScimSettings(
            can_buy_seats=data.can_buy_seats, schedules_seat_removal=data.schedules_seat_removal
        )


@strawberry.type
class ScimMutation:
    @mutation(
        description="Create a SCIM bearer token for an identity provider (admins only; at most "
        "20 live). It can call nothing but /scim/v2/. userErrors: FORBIDDEN, INVALID_INPUT, "
        "INVALID_STATE."
    )
    async def create_scim_token(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            CreateScimTokenInput, strawberry.argument(description="A name for the new token.")
        ],
    ) -> CreateScimTokenPayload:
        created = await scim.create_token(info.context, input.name)
        return CreateScimTokenPayload(
            token=created.token, scim_token=ScimToken.from_row(created.row)
        )

    @mutation(
        description="Revoke a SCIM token at once (admins only; revoking twice is fine). "
        "userErrors: FORBIDDEN, NOT_FOUND."
    )
    async def revoke_scim_token(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            RevokeScimTokenInput, strawberry.argument(description="The token to revoke.")
        ],
    ) -> RevokeScimTokenPayload:
        row = await scim.revoke_token(info.context, input.token_id)
        return RevokeScimTokenPayload(scim_token=ScimToken.from_row(row))

    @mutation(
        description="Set how SCIM provisioning treats seats (admins only). userErrors: FORBIDDEN."
    )
    async def update_scim_settings(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            UpdateScimSettingsInput, strawberry.argument(description="The SCIM settings to change.")
        ],
    ) -> UpdateScimSettingsPayload:
        data = await scim.update_settings(
            info.context,
            scim.ScimSettingsData(input.can_buy_seats, input.schedules_seat_removal),
        )
        return UpdateScimSettingsPayload(
            scim_settings=ScimSettings(
                can_buy_seats=data.can_buy_seats,
                schedules_seat_removal=data.schedules_seat_removal,
            )
        )
