"""Shared GraphQL building blocks: Node, Money, UserError, enums and Relay connections."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Annotated, Generic, TypeVar

import strawberry

from db.enums import (
    ContactSource,
    InvitationStatus,
    MarketingStatus,
    OwnedItemType,
    PortfolioCloseReason,
    PortfolioCloseReasonCategory,
    PortfolioExportKind,
    Role,
    SeatStatus,
    UserStatus,
)
from resolvers.errors import ErrorCode, UserErrorData
from resolvers.pagination import Page

__all__ = [
    "Connection",
    "ContactSource",
    "Edge",
    "ErrorCode",
    "InvitationStatus",
    "MarketingStatus",
    "Money",
    "Node",
    "OwnedItemType",
    "PageAfter",
    "PageFirst",
    "PageInfo",
    "PortfolioCloseReason",
    "PortfolioCloseReasonCategory",
    "PortfolioExportKind",
    "Role",
    "SeatStatus",
    "UserError",
    "UserStatus",
    "describe_enum",
    "money",
    "selects",
    "user_errors",
]


def describe_enum(enum: type[Enum], description: str, **values: str) -> None:
    """Register a domain enum as a GraphQL enum with a description for it and for every value.

    The domain enums are the GraphQL enums: registering them with Strawberry marks the classes
    in place, so annotations use the very classes the models store. A name that is not a member
    fails at import; a member left out is listed by the description test
    (``tests/contract/test_descriptions.py``).
    """
    unknown = set(values) - {member.name for member in enum}
    if unknown:
        raise ValueError(f"{enum.__name__} has no members {sorted(unknown)}")
    strawberry.enum(enum, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values.get(value.name)


describe_enum(
    Role,
    "What a user may do in the account.",
    ADMIN="Has access to account settings: manages users, seats, billing and permissions.",
    REGULAR="Uses the CRM; no access to account settings.",
)
describe_enum(
    UserStatus,
    "Life cycle of a user.",
    ACTIVE="Can sign in and holds an OCCUPIED seat.",
    DEACTIVATED="Signed out and cannot sign in; still owns their items; can be reactivated or "
    "deleted (admins).",
    DELETED="Name, email and photo erased for good; shown as `(deleted user)`; never comes back.",
)
describe_enum(
    SeatStatus,
    "State of a paid seat. Billable seats = OCCUPIED + FREE + PENDING_REMOVAL.",
    OCCUPIED="Held by an active user; billed.",
    FREE="Paid for, unused: the next added or reactivated user takes it at no charge.",
    PENDING_REMOVAL="Paid until the next bill date, then removed; not usable by a user, but "
    "taken back (removal cancelled) when a user needs a seat and none is FREE.",
)
describe_enum(
    MarketingStatus,
    "Whether marketing tools may use a contact; only MARKETING contacts count toward the "
    "contact tier.",
    MARKETING="Usable by marketing tools; counted (and billed) at once.",
    NON_MARKETING="Not usable by marketing tools; a contact switched from MARKETING stays in the "
    "billed count until the next update date (`billedAsMarketingUntil`).",
)
describe_enum(
    ContactSource,
    "How a contact was created; decides its default marketing status.",
    MANUAL="Typed in by a user; defaults to NON_MARKETING (an account may change the default).",
    IMPORT="From a file import; must say its marketing status (the import decides).",
    FORM="From a web form; must say its marketing status (the form decides).",
    API="Through the public API; defaults to NON_MARKETING (changeable per account).",
    INTEGRATION="From an integration; defaults to NON_MARKETING (changeable per account).",
    CONVERSATION="From a chat or inbox conversation; defaults to NON_MARKETING (changeable).",
)
describe_enum(
    OwnedItemType,
    "Kinds of CRM items a user can own (moved by reassignOwnership and deleteUser).",
    DEAL="Deals.",
    CONTACT="Contacts.",
    LEAD="Leads.",
    ORGANIZATION="Organizations.",
    ACTIVITY="Activities (calls, meetings, tasks).",
)
describe_enum(
    PortfolioCloseReason,
    "Why a portfolio is closed (kept in the closure record for product feedback).",
    CONSOLIDATING_PORTFOLIOS="Merging into another portfolio (category CONSOLIDATION).",
    HARD_TO_USE="Portfolios are hard to use (category PROBLEM).",
    MISSING_FEATURES="Features are missing (category PROBLEM).",
    BUGS="Bugs got in the way (category PROBLEM).",
    TESTING="It was only a test (category OTHER).",
    NO_LONGER_NEEDED="Not needed any more (category OTHER).",
)
describe_enum(
    PortfolioCloseReasonCategory,
    "The group a PortfolioCloseReason belongs to.",
    CONSOLIDATION="CONSOLIDATING_PORTFOLIOS.",
    PROBLEM="HARD_TO_USE, MISSING_FEATURES or BUGS.",
    OTHER="TESTING or NO_LONGER_NEEDED.",
)
describe_enum(
    PortfolioExportKind,
    "The two CSV exports of a portfolio; both must be taken after the last change of their data "
    "before closePortfolio (or pass acknowledgeDataLoss).",
    BILLING="The portfolio's billing records.",
    METRIC="The portfolio metric's values per linked account and date.",
)
describe_enum(
    ErrorCode,
    "Machine-readable reason in `userErrors` (and in `extensions.code` of GraphQL errors).",
    TIER_LIMIT_REACHED="Contact tier upgrades are prevented and the change would pass the current "
    "tier's limit; the message says how many more contacts fit.",
    MARKETING_NOT_IN_PLAN="The subscription does not include marketing contacts.",
    UNAUTHENTICATED="No valid session: token missing, expired or revoked; or wrong email or "
    "password at login.",
    FORBIDDEN="Signed in, but not allowed (e.g. not an admin, not the account or portfolio owner, "
    "no canSetMarketingStatus).",
    NOT_FOUND="No such object in your account (unknown ids, ids of another account and ids of "
    "another type alike).",
    INVALID_INPUT="A value breaks a field rule (length, range, format, exactly-one-of); `field` "
    "names it.",
    INVALID_STATE="The object is in the wrong state for this (e.g. reactivating an ACTIVE user, "
    "an inactive owner target).",
    ACCOUNT_OWNER="Not possible for the account owner (deactivate, demote): transfer ownership "
    "first.",
    LAST_ADMIN="Would leave the account without an active admin.",
    SEAT_PURCHASE_REQUIRED="A new seat must be bought: repeat with allowSeatPurchase: true; the "
    "payload's billingPreview shows the price.",
    NO_FREE_SEAT="Fewer FREE seats than the count to remove.",
    CONFIRMATION_MISMATCH="The typed-back name does not match (compared trimmed, case-folded).",
    EXPORT_REQUIRED="Take the exports first, or pass acknowledgeDataLoss: true.",
    CONFLICT="Clashes with existing data: an email already used, or an idempotencyKey reused "
    "with other input.",
    # Error codes, not secrets (S106).
    INVALID_TOKEN="The emailed token is unknown.",  # noqa: S106
    TOKEN_EXPIRED="The emailed token is past its expiry (invitations 7 days, resets 1 h).",  # noqa: S106
    TOKEN_USED="The emailed token was used already (single use).",  # noqa: S106
    TOKEN_REVOKED=(  # noqa: S106
        "The emailed token was withdrawn or replaced by a newer one, or its user is no longer "
        "active."
    ),
    WEAK_PASSWORD=(  # noqa: S106
        "Passwords need 12 to 1 024 characters, not a common password, not containing the email."
    ),
    CANNOT_SIGN_IN="The target user cannot sign in yet (has not accepted the invitation).",
)

describe_enum(
    InvitationStatus,
    "State of a user's newest invitation.",
    PENDING="Mailed, not yet accepted, not expired.",
    ACCEPTED="Accepted: the user has set a password.",
    EXPIRED="Pending but past expiresAt (7 days after sending); resend a new one.",
    REVOKED="Withdrawn, replaced by a newer one, or the user was deactivated or deleted.",
)

#: The page arguments of every connection, described once.
PageFirst = Annotated[
    int | None,
    strawberry.argument(
        description="Page size, 0 to 100; default 50 (server settings). Out of range: "
        "INVALID_INPUT error."
    ),
]
PageAfter = Annotated[
    str | None,
    strawberry.argument(
        description="Return the items after this cursor (an edge's `cursor` or "
        "`pageInfo.endCursor`); omit for the first page. Not a cursor: INVALID_INPUT error."
    ),
]


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global id (unpadded base64url of `Type:key`); ids of another type "
        "or account are not found."
    )


@strawberry.type(description="Where this page sits in the list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow: ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (true whenever `after` was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge, to pass as `after`; null on an empty page."
    )


@strawberry.type(description="An exact amount of money, always with its currency.")
class Money:
    amount: Decimal = strawberry.field(
        description='Exact decimal as a string, in major units with cents (e.g. "29.00"); never '
        "a float. May be negative for credits."
    )
    currency_code: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")


@strawberry.type(
    description="Why a mutation was refused (business failures are data; nothing was changed)."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input at fault, e.g. ["input", "userId"]; null when no single '
        "field is."
    )
    code: ErrorCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="Explanation for a person (English).")

    @classmethod
    def from_data(cls, error: UserErrorData) -> UserError:
        return cls(
            field=list(error.field) if error.field is not None else None,
            code=error.code,
            message=error.message,
        )


def user_errors(errors: tuple[UserErrorData, ...]) -> list[UserError]:
    return [UserError.from_data(error) for error in errors]


NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque position of this item, for `after`.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of a list (Relay cursor connection): at most `first` items (default 50, "
    "max 100) after the cursor `after`."
)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    total_count: int = strawberry.field(
        description="Number of items in the whole list with the same filter (not just this page)."
    )

    @classmethod
    def from_page(cls, page: Page[RowT], to_node: Callable[[RowT], NodeT]) -> Connection[NodeT]:
        edges = [
            Edge(cursor=cursor, node=to_node(item))
            for item, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            total_count=page.total_count,
        )


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency_code=currency)


def selects(info: strawberry.Info, name: str) -> bool:
    """Whether the current field's selection asks for ``name`` (fragments included).

    Lets a resolver skip work nobody asked for, e.g. the COUNT behind ``totalCount``. The answer
    is kept per field node for the request: a nested connection asks once per parent object.
    """
    memo: dict[tuple[int, str], bool] = info.context.selection_memo
    key = (id(info._raw_info.field_nodes[0]), name)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _selects(info, name)
    return found


def _selects(info: strawberry.Info, name: str) -> bool:
    from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

    def walk(selections: list[SelectedField | FragmentSpread | InlineFragment]) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField):
                if selection.name == name:
                    return True
            elif walk(selection.selections):
                return True
        return False

    return any(walk(field.selections) for field in info.selected_fields)
