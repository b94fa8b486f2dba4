"""Acceptance: the demo data answers the README's first query through the API."""

from __future__ import annotations

from db.demo import DEMO_PASSWORD, seed_demo

FIRST_QUERY = """
{ viewer { displayName }
  users(first: 5) { totalCount
    edges { node { displayName status seat { status } ownedItems { total } } } } }
"""


async def test_owner_logs_in_and_reads_the_users_page(api, sessionmaker, clock):
    await seed_demo(sessionmaker, now=clock.now())
    login = await api.data(
        'mutation($p: String!) { login(input: {email: "owner@acme.example", password: $p}) '
        "{ token userErrors { code } } }",
        {"p": DEMO_PASSWORD},
    )
    token = login["login"]["token"]
    data = await api.data(FIRST_QUERY, token=token)
    assert data["viewer"]["displayName"] == "Olivia Bennett"
    assert data["users"]["totalCount"] == 10
    first = data["users"]["edges"][0]["node"]
    assert first["status"] == "ACTIVE"
    assert first["seat"] == {"status": "OCCUPIED"}
    assert first["ownedItems"]["total"] > 0


async def test_acme_labs_cannot_see_acme_corp(api, sessionmaker, clock):
    await seed_demo(sessionmaker, now=clock.now())
    login = await api.data(
        'mutation($p: String!) { login(input: {email: "owner@acmelabs.example", password: $p}) '
        "{ token } }",
        {"p": DEMO_PASSWORD},
    )
    data = await api.data(
        "{ users { totalCount } contacts { totalCount } deals { totalCount } }",
        token=login["login"]["token"],
    )
    assert data == {
        "users": {"totalCount": 3},
        "contacts": {"totalCount": 20},
        "deals": {"totalCount": 10},
    }
