"""SPEC "Delete": a deleted user's name and email are erased for good, everywhere.

Every text column of every table is searched after the deletion, so a new table or a new audit
detail that copies personal data fails here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, func, or_, select

from db.models import Base
from tests.billing.helpers import ADD_USER, DEACTIVATE_USER, DELETE_USER

NAME = "Zelda Quartermain"
EMAIL = "zelda.quartermain@acme.example"
TRACES = ("zelda", "quartermain")


async def _tables_mentioning(sessionmaker: Any, needles: tuple[str, ...]) -> list[str]:
    found = []
    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String)]
            if not columns:
                continue
            condition = or_(
                *(func.lower(c).contains(needle) for c in columns for needle in needles)
            )
            hits = await session.scalar(select(func.count()).select_from(table).where(condition))
            if hits:
                found.append(table.name)
    return found


async def test_no_text_column_of_any_table_keeps_a_deleted_users_name_or_email(
    api, factory, sessionmaker
):
    acme = await factory.account()
    token = acme.owner.token
    added = await api.data(
        ADD_USER,
        {"input": {"name": NAME, "email": EMAIL, "role": "ADMIN", "allowSeatPurchase": True}},
        token=token,
    )
    assert added["addUser"]["userErrors"] == []
    user_id = added["addUser"]["user"]["id"]
    assert await _tables_mentioning(sessionmaker, TRACES)  # the search does find live data

    await api.data(DEACTIVATE_USER, {"input": {"userId": user_id, "removeSeat": True}}, token=token)
    deleted = await api.data(DELETE_USER, {"input": {"userId": user_id}}, token=token)
    assert deleted["deleteUser"]["userErrors"] == []

    assert await _tables_mentioning(sessionmaker, TRACES) == []
