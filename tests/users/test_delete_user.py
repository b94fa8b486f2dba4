"""deleteUser: only from DEACTIVATED, erases personal data for good, items stay or move."""

from __future__ import annotations

from db.enums import Role, UserStatus
from db.models import Deal
from tests.billing.helpers import DELETE_USER, Db, gid

DEALS = """
query($filter: DealFilter) { deals(first: 50, filter: $filter) { totalCount } }
"""
USER_NAME = "query($id: ID!) { node(id: $id) { ... on User { displayName name email } } }"


async def test_deletion_erases_name_email_password_and_photo_in_the_database(
    api, factory, sessionmaker
):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED, name="Dana Gone")
    db = Db(sessionmaker)

    data = await api.data(DELETE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    payload = data["deleteUser"]
    assert payload["userErrors"] == []
    assert payload["deletedUserId"] == gone.gid
    assert payload["user"]["displayName"] == f"(deleted user, ID{gone.id})"
    assert payload["user"]["status"] == "DELETED"
    assert payload["user"]["deletedAt"] is not None
    assert payload["transferred"] is None
    row = await db.user(gone.id)
    assert (row.name, row.email, row.email_normalized, row.password_hash, row.photo_url) == (
        None,
        None,
        None,
        None,
        None,
    )
    [event] = await db.audit(acme.id, "user.delete")
    assert "Dana" not in event.details
    assert "example" not in event.details


async def test_deleted_user_shows_with_id_to_admins_and_without_to_others(api, factory):
    acme = await factory.account()
    regular = await factory.user(acme)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    await api.data(DELETE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    as_admin = await api.data(USER_NAME, {"id": gone.gid}, token=acme.owner.token)
    as_regular = await api.data(USER_NAME, {"id": gone.gid}, token=regular.token)

    assert as_admin["node"] == {
        "displayName": f"(deleted user, ID{gone.id})",
        "name": None,
        "email": None,
    }
    assert as_regular["node"]["displayName"] == "(deleted user)"


async def test_only_deactivated_users_can_be_deleted(api, factory):
    acme = await factory.account()
    active = await factory.user(acme)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    await api.data(DELETE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    for user in (active, gone):
        data = await api.data(DELETE_USER, {"input": {"userId": user.gid}}, token=acme.owner.token)
        assert data["deleteUser"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_regular_users_cannot_delete_users(api, factory):
    acme = await factory.account()
    regular = await factory.user(acme)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)

    data = await api.data(DELETE_USER, {"input": {"userId": gone.gid}}, token=regular.token)

    assert data["deleteUser"]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_items_stay_owned_by_the_deleted_user_and_owner_filters_treat_them_right(
    api, factory
):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    await factory.deals(acme, 3, owner=gone)
    await factory.deals(acme, 2, owner=acme.owner)
    await api.data(DELETE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    owner_in = await api.execute(DEALS, {"filter": {"ownerIn": [gone.gid]}}, token=acme.owner.token)
    owner_not_in = await api.data(
        DEALS, {"filter": {"ownerNotIn": [acme.owner.gid]}}, token=acme.owner.token
    )
    everything = await api.data(DEALS, {}, token=acme.owner.token)

    assert owner_in["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert owner_not_in["deals"]["totalCount"] == 3
    assert everything["deals"]["totalCount"] == 5


async def test_transfer_moves_every_owned_item_in_the_same_transaction(api, factory, sessionmaker):
    acme = await factory.account()
    heir = await factory.user(acme)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    await factory.deals(acme, 2, owner=gone)
    await factory.contacts(acme, 4, owner=gone)
    await factory.owned_items(acme, gone, 1)
    db = Db(sessionmaker)

    data = await api.data(
        DELETE_USER,
        {"input": {"userId": gone.gid, "transferOwnershipTo": heir.gid}},
        token=acme.owner.token,
    )

    assert data["deleteUser"]["transferred"] == {
        "deals": 2,
        "contacts": 4,
        "leads": 1,
        "organizations": 1,
        "activities": 1,
        "total": 9,
    }
    assert await db.count(Deal, owner_id=heir.id) == 2
    assert await db.count(Deal, owner_id=gone.id) == 0
    [event] = await db.audit_details(acme.id, "user.delete")
    assert event["transferred_to"] == heir.gid
    assert event["contacts"] == 4


async def test_transfer_target_must_be_an_active_user_of_the_account(api, factory, sessionmaker):
    acme = await factory.account()
    globex = await factory.account("Globex")
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    also_gone = await factory.user(acme, status=UserStatus.DEACTIVATED, role=Role.ADMIN)
    await factory.deals(acme, 1, owner=gone)
    db = Db(sessionmaker)

    inactive = await api.data(
        DELETE_USER,
        {"input": {"userId": gone.gid, "transferOwnershipTo": also_gone.gid}},
        token=acme.owner.token,
    )
    foreign = await api.data(
        DELETE_USER,
        {"input": {"userId": gone.gid, "transferOwnershipTo": globex.owner.gid}},
        token=acme.owner.token,
    )

    assert inactive["deleteUser"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert inactive["deleteUser"]["userErrors"][0]["field"] == ["input", "transferOwnershipTo"]
    assert foreign["deleteUser"]["userErrors"][0]["code"] == "NOT_FOUND"
    row = await db.user(gone.id)
    assert row.status is UserStatus.DEACTIVATED
    assert row.email is not None  # nothing erased when the deletion is refused


async def test_deleted_users_email_can_be_used_again(api, factory):
    from tests.billing.helpers import ADD_USER

    acme = await factory.account(free_seats=1)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED, email="dana@acme.example")
    await api.data(DELETE_USER, {"input": {"userId": gone.gid}}, token=acme.owner.token)

    data = await api.data(
        ADD_USER, {"input": {"name": "Dana", "email": "dana@acme.example"}}, token=acme.owner.token
    )

    assert data["addUser"]["userErrors"] == []
    assert data["addUser"]["user"]["id"] != gid("User", gone.id)
