"""A small GraphQL client over httpx for the tests."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body (``data`` and ``errors``)."""
        response = await self.post(query, variables, token=token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """``data`` of a response that must have no errors."""
        body = await self.execute(query, variables, token=token)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error_codes(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> list[str]:
        body = await self.execute(query, variables, token=token)
        return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
