"""Transferring the account ownership to another active admin."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.enums import Role, UserStatus
from db.models import AuditEvent, User
from resolvers.ids import encode_global_id

TRANSFER = """
mutation($to: ID!) {
  transferAccountOwnership(input: {toUserId: $to}) {
    account { id owner { id isAccountOwner } }
    userErrors { field code message }
  }
}
"""


async def owners(sessionmaker, account_id: int) -> list[int]:
    async with sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(User.id).where(
                        User.account_id == account_id, User.is_account_owner.is_(True)
                    )
                )
            ).all()
        )


async def test_owner_hands_the_account_to_another_active_admin(api, factory, sessionmaker):
    acme = await factory.account()
    heir = await factory.user(acme, role=Role.ADMIN)

    data = await api.data(TRANSFER, {"to": heir.gid}, token=acme.owner.token)

    payload = data["transferAccountOwnership"]
    assert payload["userErrors"] == []
    assert payload["account"] == {
        "id": acme.gid,
        "owner": {"id": heir.gid, "isAccountOwner": True},
    }
    assert await owners(sessionmaker, acme.id) == [heir.id]


async def test_transfer_writes_an_audit_event(api, factory, sessionmaker):
    acme = await factory.account()
    heir = await factory.user(acme, role=Role.ADMIN)

    await api.data(TRANSFER, {"to": heir.gid}, token=acme.owner.token)

    async with sessionmaker() as session:
        event = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "account.transfer_ownership")
            )
        ).one()
    assert event.actor_user_id == acme.owner.id
    assert event.target_id == acme.gid
    assert json.loads(event.details) == {"from": acme.owner.gid, "to": heir.gid}


async def test_the_former_owner_can_no_longer_transfer(api, factory, sessionmaker):
    acme = await factory.account()
    heir = await factory.user(acme, role=Role.ADMIN)
    await api.data(TRANSFER, {"to": heir.gid}, token=acme.owner.token)

    data = await api.data(TRANSFER, {"to": acme.owner.gid}, token=acme.owner.token)

    [error] = data["transferAccountOwnership"]["userErrors"]
    assert error["code"] == "FORBIDDEN"
    assert await owners(sessionmaker, acme.id) == [heir.id]


async def test_only_the_owner_can_transfer(api, factory, sessionmaker):
    acme = await factory.account()
    admin = await factory.user(acme, role=Role.ADMIN)
    other_admin = await factory.user(acme, role=Role.ADMIN)

    data = await api.data(TRANSFER, {"to": other_admin.gid}, token=admin.token)

    payload = data["transferAccountOwnership"]
    assert payload["account"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    assert await owners(sessionmaker, acme.id) == [acme.owner.id]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.REGULAR, UserStatus.ACTIVE),
        (Role.ADMIN, UserStatus.DEACTIVATED),
        (Role.ADMIN, UserStatus.DELETED),
    ],
)
async def test_target_must_be_an_active_admin(api, factory, sessionmaker, role, status):
    acme = await factory.account()
    target = await factory.user(acme, role=role, status=status)

    data = await api.data(TRANSFER, {"to": target.gid}, token=acme.owner.token)

    payload = data["transferAccountOwnership"]
    assert payload["userErrors"][0]["code"] == "INVALID_STATE"
    assert payload["userErrors"][0]["field"] == ["input", "toUserId"]
    assert await owners(sessionmaker, acme.id) == [acme.owner.id]


async def test_transfer_to_oneself_is_invalid_state(api, factory):
    acme = await factory.account()
    data = await api.data(TRANSFER, {"to": acme.owner.gid}, token=acme.owner.token)
    assert data["transferAccountOwnership"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_unknown_or_foreign_target_is_not_found(api, factory, sessionmaker):
    acme = await factory.account()
    other = await factory.account("Globex")
    foreign_admin = await factory.user(other, role=Role.ADMIN)
    for target in (
        foreign_admin.gid,
        encode_global_id("User", 999_999),
        acme.gid,  # an id of another type
        "junk",
    ):
        data = await api.data(TRANSFER, {"to": target}, token=acme.owner.token)
        [error] = data["transferAccountOwnership"]["userErrors"]
        assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "toUserId"]), target
    assert await owners(sessionmaker, acme.id) == [acme.owner.id]
    assert await owners(sessionmaker, other.id) == [other.owner.id]
