"""Builds the GraphQL schema from the domain modules.

Each domain contributes a ``...Query`` and/or ``...Mutation`` class; the root types inherit them
all, so adding a domain is one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from config import Settings
from schema.accounts import AccountsMutation, AccountsQuery
from schema.audit import AuditQuery
from schema.auth import AuthMutation
from schema.auth.signin import SignInMutation
from schema.billing import BillingQuery
from schema.billing.preview import BillingPreviewQuery
from schema.contacts import ContactsQuery
from schema.contacts.marketing import (
    ContactSourceDefaultsMutation,
    MarketingMutation,
    MarketingQuery,
)
from schema.contacts.notifications import NotificationsQuery
from schema.contacts.plan import ContactPlanMutation
from schema.contacts.usage_history import ContactUsageHistoryQuery
from schema.deals import DealsMutation, DealsQuery
from schema.documents import DocumentCache, DocumentStore
from schema.executor import FastExecutor
from schema.extensions import MaskUnexpectedErrors, RecordOperationName, RejectNulCharacters
from schema.fast_fields import use_direct_attribute_resolvers
from schema.ledger import BillingLedgerQuery
from schema.limits import (
    QueryLimits,
    QueryLimitsExtension,
    introspection_allowance,
    introspection_sizes,
    paginated_fields,
)
from schema.portfolios import PortfolioExportQuery, PortfoliosMutation, PortfoliosQuery
from schema.portfolios.building import PortfolioBuildingMutation, PortfolioBuildingQuery
from schema.scim import ScimMutation, ScimQuery
from schema.seats import SeatsMutation, SeatsQuery
from schema.users import UsersQuery
from schema.users.mutations import UserPermissionsMutation, UsersMutation
from schema.write_retry import retry_conflicting_writes


@strawberry.type(
    description="Reads. Everything needs `Authorization: Bearer <token>` (from login) and is "
    "scoped to your account; lists are Relay connections (first: default 50, max 100)."
)
class Query(
    AccountsQuery,
    UsersQuery,
    SeatsQuery,
    ContactsQuery,
    DealsQuery,
    BillingQuery,
    PortfoliosQuery,
    AuditQuery,
    PortfolioExportQuery,
    MarketingQuery,
    NotificationsQuery,
    BillingPreviewQuery,
    BillingLedgerQuery,
    ContactUsageHistoryQuery,
    PortfolioBuildingQuery,
    ScimQuery,
):
    pass


@strawberry.type(
    description="Changes, each atomic and audited. Business refusals come back as `userErrors` "
    "(nothing changed); missing or bad tokens are GraphQL errors (UNAUTHENTICATED)."
)
class Mutation(
    AuthMutation,
    MarketingMutation,
    UserPermissionsMutation,
    ContactSourceDefaultsMutation,
    PortfoliosMutation,
    AccountsMutation,
    UsersMutation,
    SeatsMutation,
    DealsMutation,
    SignInMutation,
    ContactPlanMutation,
    PortfolioBuildingMutation,
    ScimMutation,
):
    pass


class CrmSchema(strawberry.Schema):
    #: The request limits of this schema as built (``build_schema``); anonymous requests get
    #: ``query_limits.for_anonymous()``.
    query_limits: QueryLimits = QueryLimits()

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Client mistakes are not server errors: no log line for them (the access log has the
        request). Unexpected exceptions are logged, with the request id, by
        ``MaskUnexpectedErrors``."""


def build_schema(settings: Settings | None = None) -> CrmSchema:
    settings = settings or Settings()
    limits = QueryLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_query_aliases,
        max_cost=settings.max_query_cost,
        max_tokens=settings.max_query_tokens,
        default_page_size=settings.default_page_size,
    )
    # Clients send the same few documents again and again: parse and validate each once.
    documents = DocumentStore()
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        MaskUnexpectedErrors,
        RecordOperationName,
        lambda: QueryLimitsExtension(limits),
        lambda: RejectNulCharacters(documents),
        lambda: DocumentCache(documents),
    ]
    if not settings.introspection:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    from schema.types import EXTRA_TYPES

    schema = CrmSchema(
        query=Query,
        mutation=Mutation,
        types=EXTRA_TYPES,
        extensions=extensions,
        # Plans each selection once per document and completes plain attribute fields inline.
        execution_context_class=FastExecutor,
        config=StrawberryConfig(
            auto_camel_case=True,
            batching_config={"max_operations": settings.batch_max_operations}
            if settings.batch_max_operations > 0
            else None,
        ),
    )
    use_direct_attribute_resolvers(schema._schema)
    retry_conflicting_writes(schema._schema)
    # The extension factory above reads ``limits`` per request, so the schema's own paginated
    # fields can be added now that the schema exists.
    limits = replace(
        limits,
        paginated=paginated_fields(schema._schema),
        introspection_sizes=introspection_sizes(schema._schema),
    )
    if settings.introspection:
        # GraphiQL's introspection query grows with the schema: its budget grows with it.
        limits = limits.with_introspection_allowance(
            introspection_allowance(schema._schema, limits)
        )
    schema.query_limits = limits
    return schema


def print_schema() -> str:
    """The SDL committed as ``schema.graphql`` (a test fails when the two drift)."""
    return build_schema().as_str() + "\n"
