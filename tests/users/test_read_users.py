"""Reading users through the API: lists, nested fields, display names."""

from __future__ import annotations

from db.enums import UserStatus

USERS_PAGE = """
query($first: Int) {
  viewer { displayName }
  users(first: $first) {
    totalCount
    edges { node { displayName status seat { status } ownedItems { total } } }
  }
}
"""


async def test_owner_lists_users_with_seat_and_owned_items(api, factory):
    acme = await factory.account()
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED, name="Dana Gone")
    await factory.contacts(acme, 3, owner=gone)
    await factory.deals(acme, 2, owner=gone)

    data = await api.data(USERS_PAGE, {"first": 5}, token=acme.owner.token)

    assert data["users"]["totalCount"] == 2
    nodes = [edge["node"] for edge in data["users"]["edges"]]
    assert nodes[0]["seat"] == {"status": "OCCUPIED"}
    assert nodes[1] == {
        "displayName": "Dana Gone",
        "status": "DEACTIVATED",
        "seat": None,
        "ownedItems": {"total": 5},
    }


async def test_request_without_token_is_unauthenticated(api, factory):
    await factory.account()
    assert await api.error_codes(USERS_PAGE) == ["UNAUTHENTICATED"]
