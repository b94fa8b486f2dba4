"""SCIM test helpers: a SCIM token made through GraphQL, and a small SCIM client over httpx."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import GraphQLClient
from tests.factories import UserHandle

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

CREATE_TOKEN = """
mutation($name: String!) {
  createScimToken(input: {name: $name}) {
    token scimToken { id name lastUsedAt } userErrors { code }
  }
}
"""
SETTINGS = """
mutation($buy: Boolean!, $schedule: Boolean!) {
  updateScimSettings(input: {canBuySeats: $buy, schedulesSeatRemoval: $schedule}) {
    scimSettings { canBuySeats } userErrors { code }
  }
}
"""


async def scim_token(
    api: GraphQLClient, admin: UserHandle, *, buy: bool = False, schedule: bool = False
) -> str:
    data = await api.data(CREATE_TOKEN, {"name": "Okta"}, token=admin.token)
    payload = data["createScimToken"]
    assert payload["userErrors"] == []
    if buy or schedule:
        await api.data(SETTINGS, {"buy": buy, "schedule": schedule}, token=admin.token)
    token: str = payload["token"]
    return token


class ScimClient:
    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM}

    async def request(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return await self.http.request(
            method, f"/scim/v2{path}", json=body, headers=self.headers, **kw
        )

    async def create(self, email: str, name: str = "Ada Lovelace", **extra: Any) -> httpx.Response:
        body = {"schemas": [USER_SCHEMA], "userName": email, "displayName": name, **extra}
        return await self.request("POST", "/Users", body)

    async def patch_active(self, user_id: str, active: bool) -> httpx.Response:
        body = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "value": {"active": active}}],
        }
        return await self.request("PATCH", f"/Users/{user_id}", body)
