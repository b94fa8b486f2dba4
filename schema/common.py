"""Shared GraphQL building blocks: Node, Money, UserError, enums and Relay connections."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Generic, TypeVar

import strawberry

from db.enums import (
    ContactSource,
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
    "MarketingStatus",
    "Money",
    "Node",
    "OwnedItemType",
    "PageInfo",
    "PortfolioCloseReason",
    "PortfolioCloseReasonCategory",
    "PortfolioExportKind",
    "Role",
    "SeatStatus",
    "UserError",
    "UserStatus",
    "money",
    "selects",
    "user_errors",
]

# The domain enums are the GraphQL enums: registering them with Strawberry marks the classes
# in place, so annotations below use the very classes the models store.
for _enum in (
    Role,
    UserStatus,
    SeatStatus,
    MarketingStatus,
    ContactSource,
    OwnedItemType,
    PortfolioCloseReason,
    PortfolioCloseReasonCategory,
    PortfolioExportKind,
    ErrorCode,
):
    strawberry.enum(_enum)


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Money:
    amount: Decimal
    currency_code: str


@strawberry.type
class UserError:
    field: list[str] | None
    code: ErrorCode
    message: str

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


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int

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
