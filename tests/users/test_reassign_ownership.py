"""reassignOwnership: admin only, to an active user, one set-based UPDATE per item type."""

from __future__ import annotations

from db.enums import Role, UserStatus
from db.models import Contact, Deal, Lead
from tests.billing.helpers import REASSIGN, Db


def _input(source, target, item_types=None):
    value = {"fromUserId": source.gid, "toUserId": target.gid}
    if item_types is not None:
        value["itemTypes"] = item_types
    return {"input": value}


async def test_moves_only_the_chosen_item_types_from_a_user_of_any_status(
    api, factory, sessionmaker
):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)
    heir = await factory.user(acme)
    await factory.deals(acme, 2, owner=gone)
    await factory.contacts(acme, 3, owner=gone)
    await factory.owned_items(acme, gone, 1)
    db = Db(sessionmaker)

    data = await api.data(REASSIGN, _input(gone, heir, ["DEAL", "LEAD"]), token=acme.owner.token)

    assert data["reassignOwnership"]["moved"] == {
        "deals": 2,
        "contacts": 0,
        "leads": 1,
        "organizations": 0,
        "activities": 0,
        "total": 3,
    }
    assert await db.count(Deal, owner_id=heir.id) == 2
    assert await db.count(Lead, owner_id=heir.id) == 1
    assert await db.count(Contact, owner_id=gone.id) == 3
    [event] = await db.audit_details(acme.id, "user.reassign_ownership")
    assert event["item_types"] == ["DEAL", "LEAD"]
    assert event["deals"] == 2


def _owned_updates(statements) -> list[str]:
    tables = ("deals", "contacts", "leads", "organizations", "activities")
    return [
        s
        for s in statements.statements
        if s.lstrip().upper().startswith("UPDATE") and any(f"UPDATE {t} " in s for t in tables)
    ]


async def test_one_set_based_update_per_item_type_whatever_the_number_of_items(
    api, factory, statements
):
    acme = await factory.account()
    source = await factory.user(acme)
    heir = await factory.user(acme)
    await factory.deals(acme, 10, owner=source)
    statements.reset()
    await api.data(REASSIGN, _input(source, heir), token=acme.owner.token)
    small = statements.count
    assert len(_owned_updates(statements)) == 5

    await factory.deals(acme, 20_000, owner=heir)
    await factory.contacts(acme, 2_000, owner=heir)
    statements.reset()
    data = await api.data(REASSIGN, _input(heir, source), token=acme.owner.token)

    assert data["reassignOwnership"]["moved"]["total"] == 22_010
    assert len(_owned_updates(statements)) == 5
    assert statements.count == small


async def test_target_must_be_active_and_different_from_the_source(api, factory):
    acme = await factory.account()
    source = await factory.user(acme)
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)

    inactive = await api.data(REASSIGN, _input(source, gone), token=acme.owner.token)
    same = await api.data(REASSIGN, _input(source, source), token=acme.owner.token)

    assert inactive["reassignOwnership"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert inactive["reassignOwnership"]["userErrors"][0]["field"] == ["input", "toUserId"]
    assert same["reassignOwnership"]["userErrors"][0]["code"] == "INVALID_INPUT"


async def test_unknown_users_and_empty_type_lists_are_user_errors(api, factory):
    acme = await factory.account()
    globex = await factory.account("Globex")
    source = await factory.user(acme)

    foreign = await api.data(REASSIGN, _input(globex.owner, source), token=acme.owner.token)
    empty = await api.data(REASSIGN, _input(source, acme.owner, []), token=acme.owner.token)

    assert foreign["reassignOwnership"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert foreign["reassignOwnership"]["userErrors"][0]["field"] == ["input", "fromUserId"]
    assert empty["reassignOwnership"]["userErrors"][0]["field"] == ["input", "itemTypes"]


async def test_only_admins_reassign_ownership(api, factory):
    acme = await factory.account()
    regular = await factory.user(acme, role=Role.REGULAR)
    other = await factory.user(acme)

    data = await api.data(REASSIGN, _input(other, regular), token=regular.token)

    assert data["reassignOwnership"]["userErrors"][0]["code"] == "FORBIDDEN"
