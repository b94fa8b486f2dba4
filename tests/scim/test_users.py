"""SCIM Users end to end: the same rules as the GraphQL mutations, the token as the actor."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.enums import SeatStatus, UserStatus
from db.models import Deal, User
from tests.billing.helpers import Db
from tests.scim.helpers import SCIM, ScimClient, scim_token

VIEWER = "{ viewer { id } }"
AUDIT = """
{ auditEvents(first: 50) { edges { node { action targetId actorScimTokenId actor { id } } } } }
"""
TOKENS = "{ scimTokens { id name lastUsedAt revokedAt } }"


@pytest.fixture
async def acme(factory):
    return await factory.account(free_seats=1)


@pytest.fixture
async def scim(api, acme):
    return ScimClient(api.http, await scim_token(api, acme.owner))


async def test_provisioning_sends_the_invitation_and_takes_a_free_seat(
    api, acme, scim, services, smtp, sessionmaker
):
    response = await scim.create("Ada@Example.com", "Ada Lovelace", externalId="okta-1")

    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith(SCIM)
    body = response.json()
    assert body["userName"] == "Ada@Example.com"
    assert body["displayName"] == body["name"]["formatted"] == "Ada Lovelace"
    assert body["externalId"] == "okta-1"
    assert body["active"] is True
    assert response.headers["location"].endswith(f"/scim/v2/Users/{body['id']}")
    seats = await Db(sessionmaker).seats(acme.id)
    assert [s.status for s in seats].count(SeatStatus.OCCUPIED) == 2  # owner + Ada, no purchase
    assert await smtp.sender(services).deliver_due() == 1
    [mail] = smtp.inbox.messages
    assert mail["To"] == "Ada@Example.com"
    assert smtp.inbox.tokens("accept-invitation")


async def test_without_a_seat_and_without_purchases_nothing_is_created(api, factory):
    full = await factory.account()
    scim = ScimClient(api.http, await scim_token(api, full.owner))

    response = await scim.create("bob@example.com")

    assert response.status_code == 403
    assert "seat is needed" in response.json()["detail"]
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    listed = await scim.request("GET", '/Users?filter=userName eq "bob@example.com"')
    assert listed.json()["totalResults"] == 0


async def test_an_account_that_allows_purchases_buys_the_seat(api, factory, sessionmaker):
    full = await factory.account()
    scim = ScimClient(api.http, await scim_token(api, full.owner, buy=True))

    assert (await scim.create("bob@example.com")).status_code == 201
    assert len(await Db(sessionmaker).ledger(full.id)) == 1


async def test_active_false_ends_sessions_at_once_and_frees_the_seat(
    api, factory, acme, scim, sessionmaker
):
    dana = await factory.user(acme)
    await factory.deals(acme, 2, owner=dana)
    assert await api.error_codes(VIEWER, token=dana.token) == []

    response = await scim.patch_active(dana.gid, False)

    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert await api.error_codes(VIEWER, token=dana.token) == ["UNAUTHENTICATED"]
    db = Db(sessionmaker)
    [seat] = [s for s in await db.seats(acme.id) if s.id == dana.seat_id]
    assert (seat.status, seat.user_id) == (SeatStatus.FREE, None)  # as deactivateUser does
    [event] = await db.audit_details(acme.id, "user.deactivate")
    assert event["seat_status"] == "FREE"
    async with sessionmaker() as session:
        owned = await session.scalar(select(func.count()).where(Deal.owner_id == dana.id))
    assert owned == 2  # items kept


async def test_the_scim_setting_schedules_the_seat_removal(api, factory, sessionmaker):
    other = await factory.account("Other Co")
    dana = await factory.user(other)
    scim = ScimClient(api.http, await scim_token(api, other.owner, schedule=True))

    response = await scim.request(
        "PUT",
        f"/Users/{dana.gid}",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": dana.email,
            "displayName": "Dana",
            "active": False,
        },
    )

    assert response.status_code == 200, response.text
    [seat] = [s for s in await Db(sessionmaker).seats(other.id) if s.id == dana.seat_id]
    assert seat.status is SeatStatus.PENDING_REMOVAL


async def test_active_true_reactivates_with_a_free_seat(api, factory, acme, scim, sessionmaker):
    gone = await factory.user(acme, status=UserStatus.DEACTIVATED)

    response = await scim.patch_active(gone.gid, True)

    assert response.status_code == 200, response.text
    assert response.json()["active"] is True
    assert len(await Db(sessionmaker).ledger(acme.id)) == 0  # the free seat, no purchase


async def test_delete_erases_personal_data_and_keeps_items(api, factory, acme, scim, sessionmaker):
    dana = await factory.user(acme)
    await factory.deals(acme, 1, owner=dana)

    response = await scim.request("DELETE", f"/Users/{dana.gid}")

    assert response.status_code == 204
    row = await Db(sessionmaker).user(dana.id)
    assert (row.status, row.name, row.email, row.email_normalized) == (
        UserStatus.DELETED,
        None,
        None,
        None,
    )
    assert await api.error_codes(VIEWER, token=dana.token) == ["UNAUTHENTICATED"]
    async with sessionmaker() as session:
        owned = await session.scalar(select(func.count()).where(Deal.owner_id == dana.id))
    assert owned == 1
    assert (await scim.request("GET", f"/Users/{dana.gid}")).status_code == 404


async def test_a_foreign_accounts_user_is_not_found(api, factory, scim):
    other = await factory.account("Other Co")
    stranger = await factory.user(other)

    for method, body in (("GET", None), ("PUT", {}), ("PATCH", {}), ("DELETE", None)):
        response = await scim.request(method, f"/Users/{stranger.gid}", body)
        assert response.status_code == 404, (method, response.text)
    listed = await scim.request("GET", f'/Users?filter=userName eq "{stranger.email}"')
    assert listed.json()["totalResults"] == 0
    async with Db(factory.sessionmaker).sessionmaker() as session:
        row = await session.get(User, stranger.id)
    assert row is not None
    assert row.status is UserStatus.ACTIVE


async def test_every_change_is_audited_with_the_token_as_actor(api, factory, acme, scim):
    created = (await scim.create("ada@example.com")).json()
    await scim.request(
        "PATCH",
        f"/Users/{created['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "Ada L."}],
        },
    )
    await scim.patch_active(created["id"], False)
    await scim.request("DELETE", f"/Users/{created['id']}")

    [token] = (await api.data(TOKENS, token=acme.owner.token))["scimTokens"]
    assert token["lastUsedAt"] is not None
    edges = (await api.data(AUDIT, token=acme.owner.token))["auditEvents"]["edges"]
    events = [edge["node"] for edge in edges]
    by_scim = [e for e in events if e["targetId"] == created["id"]]
    assert {e["action"] for e in by_scim} == {
        "user.add",
        "invitation.send",
        "user.update",
        "user.deactivate",
        "user.delete",
    }
    assert all(e["actorScimTokenId"] == token["id"] and e["actor"] is None for e in by_scim)


async def test_filters_and_pages(api, factory, acme, scim):
    for serial in range(3):
        await factory.user(acme, email=f"p{serial}@acme.example")
    await factory.user(acme, email="off@acme.example", status=UserStatus.DEACTIVATED)

    async def total(query: str) -> int:
        response = await scim.request("GET", f"/Users?{query}")
        assert response.status_code == 200, response.text
        return int(response.json()["totalResults"])

    assert await total('filter=userName eq "P1@ACME.example"') == 1
    assert await total('filter=emails.value eq "p2@acme.example"') == 1
    assert await total('filter=emails[value eq "p2@acme.example"]') == 1
    assert await total("filter=active eq false") == 1
    assert await total("filter=active eq true") == 4  # the owner too
    page = (await scim.request("GET", "/Users?startIndex=2&count=2")).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)


async def test_tokens_open_one_door_each(api, acme, scim):
    # A SCIM token is not a GraphQL session; a session token is not a SCIM token.
    assert await api.error_codes(VIEWER, token=scim.headers["Authorization"][7:]) == [
        "UNAUTHENTICATED"
    ]
    session_token = ScimClient(api.http, acme.owner.token or "")
    assert (await session_token.request("GET", "/Users")).status_code == 401
    anonymous = await api.http.get("/scim/v2/Users")
    assert anonymous.status_code == 401
    assert anonymous.json()["status"] == "401"


async def test_a_revoked_token_stops_at_once(api, acme, scim):
    [token] = (await api.data(TOKENS, token=acme.owner.token))["scimTokens"]
    revoke = "mutation($id: ID!) { revokeScimToken(input: {tokenId: $id}) { userErrors { code } } }"
    await api.data(revoke, {"id": token["id"]}, token=acme.owner.token)

    assert (await scim.request("GET", "/Users")).status_code == 401


async def test_only_admins_create_tokens(api, factory, acme):
    regular = await factory.user(acme)
    query = 'mutation { createScimToken(input: {name: "x"}) { token userErrors { code } } }'
    data = await api.data(query, token=regular.token)
    assert data["createScimToken"] == {"token": None, "userErrors": [{"code": "FORBIDDEN"}]}


async def test_requests_past_the_rate_limit_get_429(api, acme, scim, monkeypatch):
    from resolvers import throttle
    from resolvers.scim import routes

    monkeypatch.setattr(routes, "_POLICY", throttle.ThrottlePolicy(free_failures=1))  # 2 a minute
    assert (await scim.request("GET", "/Users")).status_code == 200
    assert (await scim.request("GET", "/Users")).status_code == 200
    refused = await scim.request("GET", "/Users")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1


async def test_only_admins_read_tokens_and_settings(api, factory, acme):
    regular = await factory.user(acme)

    assert await api.error_codes(TOKENS, token=regular.token) == ["FORBIDDEN"]
    assert await api.error_codes("{ scimSettings { canBuySeats } }", token=regular.token) == [
        "FORBIDDEN"
    ]
    settings = await api.data(
        "{ scimSettings { canBuySeats schedulesSeatRemoval } }", token=acme.owner.token
    )
    assert settings["scimSettings"] == {"canBuySeats": False, "schedulesSeatRemoval": False}
