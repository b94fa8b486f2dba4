"""The request's database session survives fields that fail beside pending loaders."""

from __future__ import annotations


async def test_an_error_beside_a_pending_loader_does_not_break_the_response(api, factory):
    acme = await factory.account()
    user = await factory.user(acme)
    await factory.contacts(acme, 2, owner=user)
    # `deals(after: "")` fails while `seat` of the same owner is still loading; the owner turns
    # null and the response is sent while the seat loader may still be running.
    query = """{ contacts { edges { node { owner {
      seat { status } deals(first: 5, after: "") { totalCount } } } } } }"""
    body = await api.execute(query, token=acme.owner.token)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"INVALID_INPUT"}
    assert [edge["node"]["owner"] for edge in body["data"]["contacts"]["edges"]] == [None, None]
    # The next request on the same app is unaffected.
    assert (await api.data("{ viewer { id } }", token=acme.owner.token))["viewer"]["id"]
