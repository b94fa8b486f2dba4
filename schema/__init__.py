"""Builds the GraphQL schema from the domain modules.

Each domain contributes a ``...Query`` and/or ``...Mutation`` class; the root types inherit them
all, so adding a domain is one line here.
"""

from __future__ import annotations

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.schema.config import StrawberryConfig

from config import Settings
from schema.accounts import AccountsQuery
from schema.audit import AuditQuery
from schema.auth import AuthMutation
from schema.billing import BillingQuery
from schema.billing_preview import BillingPreviewQuery
from schema.closures import ClosuresMutation, ExportsQuery
from schema.contacts import ContactsQuery
from schema.deals import DealsQuery
from schema.extensions import MaskUnexpectedErrors
from schema.marketing import MarketingMutation, MarketingQuery
from schema.notifications import NotificationsQuery
from schema.portfolios import PortfoliosQuery
from schema.seats import SeatsQuery
from schema.user_mutations import UserAdminMutation
from schema.users import UsersQuery


@strawberry.type
class Query(
    AccountsQuery,
    UsersQuery,
    SeatsQuery,
    ContactsQuery,
    DealsQuery,
    BillingQuery,
    PortfoliosQuery,
    AuditQuery,
    BillingPreviewQuery,
    ExportsQuery,
    MarketingQuery,
    NotificationsQuery,
):
    pass


@strawberry.type
class Mutation(AuthMutation, UserAdminMutation, ClosuresMutation, MarketingMutation):
    pass


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    extensions: list[type[SchemaExtension] | SchemaExtension] = [MaskUnexpectedErrors]
    if not settings.introspection:
        extensions.append(AddValidationRules([NoSchemaIntrospectionCustomRule]))
    from schema.types import EXTRA_TYPES

    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=EXTRA_TYPES,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


def print_schema() -> str:
    """The SDL committed as ``schema.graphql`` (a test fails when the two drift)."""
    return build_schema().as_str() + "\n"
