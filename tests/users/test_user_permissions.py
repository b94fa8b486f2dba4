"""setUserPermissions: admins grant/revoke canSetMarketingStatus and change roles, safely."""

from __future__ import annotations

from sqlalchemy import update

from db import models
from db.enums import Role, UserStatus
from resolvers.ids import encode_global_id
from tests.contacts.helpers import audit_events, set_status

SET_PERMISSIONS = """
mutation($input: SetUserPermissionsInput!) {
  setUserPermissions(input: $input) {
    user { id role canSetMarketingStatus }
    userErrors { field code message }
  }
}
"""


async def _set(api, token, **input_):
    data = await api.data(SET_PERMISSIONS, {"input": input_}, token=token)
    return data["setUserPermissions"]


def _errors(payload):
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def test_an_admin_revokes_and_restores_the_marketing_permission(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme)
    await factory.contacts(acme, 2)

    revoked = await _set(api, acme.owner.token, userId=clerk.gid, canSetMarketingStatus=False)
    assert revoked["user"] == {"id": clerk.gid, "role": "REGULAR", "canSetMarketingStatus": False}
    refused = await set_status(api, clerk.token, filter={}, status="MARKETING")
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]

    await _set(api, acme.owner.token, userId=clerk.gid, canSetMarketingStatus=True)
    allowed = await set_status(api, clerk.token, filter={}, status="MARKETING")
    assert allowed["updatedCount"] == 2


async def test_an_admin_promotes_and_demotes_a_user(api, factory, sessionmaker):
    acme = await factory.account()
    clerk = await factory.user(acme)

    promoted = await _set(api, acme.owner.token, userId=clerk.gid, role="ADMIN")
    demoted = await _set(api, acme.owner.token, userId=clerk.gid, role="REGULAR")

    assert promoted["user"]["role"] == "ADMIN"
    assert demoted["user"]["role"] == "REGULAR"
    events = await audit_events(sessionmaker, acme.id, "user.set_permissions")
    assert [e["role"] for e in events] == [
        {"before": "REGULAR", "after": "ADMIN"},
        {"before": "ADMIN", "after": "REGULAR"},
    ]
    assert {e["_target"] for e in events} == {clerk.gid}


async def test_the_account_owner_must_stay_an_admin(api, factory):
    acme = await factory.account()
    other_admin = await factory.user(acme, role=Role.ADMIN)

    payload = await _set(api, other_admin.token, userId=acme.owner.gid, role="REGULAR")

    assert payload["user"] is None
    assert _errors(payload) == [("ACCOUNT_OWNER", ["input", "role"])]


async def test_the_last_active_admin_cannot_be_demoted(api, factory, sessionmaker):
    acme = await factory.account()
    admin = await factory.user(acme, role=Role.ADMIN)
    await factory.user(acme, role=Role.ADMIN, status=UserStatus.DEACTIVATED)
    # An account caught mid-transfer, without an owner flag: the admin rule still holds.
    async with sessionmaker.begin() as session:
        await session.execute(
            update(models.User)
            .where(models.User.id == acme.owner.id)
            .values(is_account_owner=False, role=Role.REGULAR)
        )

    payload = await _set(api, admin.token, userId=admin.gid, role="REGULAR")

    assert _errors(payload) == [("LAST_ADMIN", ["input", "role"])]
    assert await audit_events(sessionmaker, acme.id, "user.set_permissions") == []


async def test_an_admin_may_step_down_while_another_active_admin_remains(api, factory):
    acme = await factory.account()
    admin = await factory.user(acme, role=Role.ADMIN)

    payload = await _set(api, admin.token, userId=admin.gid, role="REGULAR")

    assert payload["user"]["role"] == "REGULAR"


async def test_a_non_admin_cannot_change_permissions(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme)

    payload = await _set(api, clerk.token, userId=clerk.gid, role="ADMIN")

    assert _errors(payload) == [("FORBIDDEN", None)]


async def test_a_user_of_another_account_is_not_found(api, factory):
    acme = await factory.account()
    other = await factory.account("Globex")

    for user_id in (other.owner.gid, encode_global_id("Seat", acme.owner.id), "garbage"):
        payload = await _set(api, acme.owner.token, userId=user_id, canSetMarketingStatus=False)
        assert _errors(payload) == [("NOT_FOUND", ["input", "userId"])]


async def test_a_deleted_user_cannot_be_changed(api, factory):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DELETED)

    payload = await _set(api, acme.owner.token, userId=gone.gid, canSetMarketingStatus=False)

    assert _errors(payload) == [("INVALID_STATE", ["input", "userId"])]


async def test_asking_for_no_change_is_invalid_input(api, factory):
    acme = await factory.account()

    payload = await _set(api, acme.owner.token, userId=acme.owner.gid)

    assert _errors(payload) == [("INVALID_INPUT", ["input"])]


async def test_a_deactivated_user_can_be_given_a_role_for_their_return(api, factory):
    acme = await factory.account()
    away = await factory.user(acme, status=UserStatus.DEACTIVATED)

    payload = await _set(api, acme.owner.token, userId=away.gid, role="ADMIN")

    assert payload["user"]["role"] == "ADMIN"
