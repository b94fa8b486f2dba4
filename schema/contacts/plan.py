"""Contact plan settings (issue 17): ``setContactPlanSettings`` (admins)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.contacts import plan
from resolvers.context import RequestContext
from schema.common import UserError
from schema.extensions import mutation


@strawberry.input(description="Contact plan settings to change; a field left out keeps its value.")
class SetContactPlanSettingsInput:
    prevent_tier_upgrades: bool | None = strawberry.field(
        default=None,
        description="When true, nothing moves the account to a higher contact tier.",
    )
    marketing_contacts_included: bool | None = strawberry.field(
        default=None,
        description="Whether the subscription includes marketing contacts at all.",
    )


@strawberry.type(description="The account's contact plan settings.")
class ContactPlanSettings:
    prevent_tier_upgrades: bool = strawberry.field(
        description="When true, nothing moves the account to a higher contact tier."
    )
    marketing_contacts_included: bool = strawberry.field(
        description="Whether the subscription includes marketing contacts."
    )


@strawberry.type(description="Result of setContactPlanSettings.")
class SetContactPlanSettingsPayload:
    settings: ContactPlanSettings | None = strawberry.field(
        default=None, description="The settings in force after the change."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused; empty on success."
    )


@strawberry.type
class ContactPlanMutation:
    @mutation(
        description="Change the contact plan settings (admins only; userErrors FORBIDDEN "
        "otherwise). Audited as contact_plan.set when a value changes."
    )
    async def set_contact_plan_settings(
        self,
        info: strawberry.Info[RequestContext],
        input: Annotated[
            SetContactPlanSettingsInput, strawberry.argument(description="The settings to change.")
        ],
    ) -> SetContactPlanSettingsPayload:
        data = plan.ContactPlanData(
            prevent_tier_upgrades=input.prevent_tier_upgrades,
            marketing_contacts_included=input.marketing_contacts_included,
        )
        result = await plan.set_contact_plan(info.context, data)
        return SetContactPlanSettingsPayload(
            settings=ContactPlanSettings(
                prevent_tier_upgrades=result.prevent_tier_upgrades,
                marketing_contacts_included=result.marketing_contacts_included,
            )
        )
