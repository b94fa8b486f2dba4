"""Everything is scoped to the viewer's account: another account's ids behave like unknown ids."""

from __future__ import annotations

import pytest

from resolvers.ids import encode_global_id


@pytest.fixture
async def two_accounts(factory):
    corp = await factory.account("Acme Corp")
    labs = await factory.account("Acme Labs")
    alice = await factory.user(corp, name="Alice Corp")
    await factory.contacts(corp, 2, owner=alice)
    await factory.deals(corp, 2, owner=alice)
    await factory.contacts(labs, 1, owner=labs.owner, name_prefix="Lab")
    return corp, labs, alice


async def test_other_accounts_users_contacts_and_deals_are_not_found_by_id(api, two_accounts):
    corp, labs, alice = two_accounts
    corp_ids = await api.data(
        "{ contacts { edges { node { id } } } deals { edges { node { id } } } }",
        token=corp.owner.token,
    )
    ids = [alice.gid, corp.owner.gid]
    ids += [e["node"]["id"] for e in corp_ids["contacts"]["edges"]]
    ids += [e["node"]["id"] for e in corp_ids["deals"]["edges"]]
    for global_id in ids:
        data = await api.data(
            "query($id: ID!) { node(id: $id) { id } }", {"id": global_id}, token=labs.owner.token
        )
        assert data["node"] is None, global_id
        # The owner of the data sees it: the null above is scoping, not a bad id.
        own = await api.data(
            "query($id: ID!) { node(id: $id) { id } }", {"id": global_id}, token=corp.owner.token
        )
        assert own["node"] == {"id": global_id}


async def test_lists_show_only_the_viewers_account(api, two_accounts):
    _corp, labs, _alice = two_accounts
    data = await api.data(
        "{ users { totalCount } contacts { totalCount edges { node { name } } } "
        "deals { totalCount } }",
        token=labs.owner.token,
    )
    assert data["users"]["totalCount"] == 1
    assert data["contacts"]["totalCount"] == 1
    assert data["contacts"]["edges"][0]["node"]["name"].startswith("Lab")
    assert data["deals"]["totalCount"] == 0


async def test_filtering_by_another_accounts_user_is_not_found(api, two_accounts):
    _corp, labs, alice = two_accounts
    codes = await api.error_codes(
        "query($o: [ID!]) { contacts(filter: {ownerIn: $o}) { totalCount } }",
        {"o": [alice.gid]},
        token=labs.owner.token,
    )
    assert codes == ["NOT_FOUND"]


async def test_an_id_of_another_type_is_not_found(api, two_accounts):
    corp, _labs, alice = two_accounts
    as_contact = encode_global_id("Contact", alice.id)
    data = await api.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": as_contact}, token=corp.owner.token
    )
    assert data["node"] is None
    codes = await api.error_codes(
        "query($o: [ID!]) { contacts(filter: {ownerIn: $o}) { totalCount } }",
        {"o": [encode_global_id("Deal", alice.id)]},
        token=corp.owner.token,
    )
    assert codes == ["NOT_FOUND"]


async def test_garbage_ids_are_simply_not_found(api, two_accounts):
    corp, _labs, _alice = two_accounts
    for garbage in ["", "!!!", "VXNlcjp4", "not-base64-at-all=="]:
        data = await api.data(
            "query($id: ID!) { node(id: $id) { id } }", {"id": garbage}, token=corp.owner.token
        )
        assert data["node"] is None
