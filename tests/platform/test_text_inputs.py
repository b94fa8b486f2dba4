"""Text that a database cannot store is refused up front, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (
            "mutation($n: String!) { createContact(input: {name: $n, source: MANUAL}) "
            "{ contact { id } } }",
            {"n": "Ann\x00Lee"},
        ),
        ('{ contacts(filter: {search: "a\\u0000b"}) { totalCount } }', None),
        (
            'mutation($e: String!) { login(input: {email: $e, password: "x"}) { token } }',
            {"e": "a\x00@b.example"},
        ),
        (
            'mutation($t: String!) { createDeal(input: {title: $t, value: "1.00"}) '
            "{ deal { id } } }",
            {"t": "\x00"},
        ),
    ],
)
async def test_nul_characters_are_invalid_input(api, factory, sessionmaker, document, variables):
    acme = await factory.account()
    body = await api.execute(document, variables, token=acme.owner.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"]
    assert body["data"] is None


async def test_emails_that_grow_when_lower_cased_are_refused(api, factory):
    acme = await factory.account()
    email = "\u0130" * 300 + "@example.com"  # 312 characters, 612 once lower-cased
    body = await api.data(
        'mutation($e: String!) { addUser(input: {name: "Big", email: $e}) '
        "{ user { id } userErrors { field code } } }",
        {"e": email},
        token=acme.owner.token,
    )
    assert body["addUser"]["userErrors"] == [{"field": ["input", "email"], "code": "INVALID_INPUT"}]


async def test_owner_filters_are_bounded(api, factory):
    acme = await factory.account()
    ids = [acme.owner.gid] * 1001
    for name in ("ownerIn", "ownerNotIn"):
        codes = await api.error_codes(
            f"query($o: [ID!]) {{ contacts(filter: {{{name}: $o}}) {{ totalCount }} }}",
            {"o": ids},
            token=acme.owner.token,
        )
        assert codes == ["INVALID_INPUT"], name


async def test_a_negative_zero_deal_value_is_zero(api, factory):
    acme = await factory.account()
    data = await api.data(
        'mutation { createDeal(input: {title: "Free pilot", value: "-0"}) '
        "{ deal { value { amount } } userErrors { code } } }",
        token=acme.owner.token,
    )
    assert data["createDeal"]["deal"]["value"]["amount"] == "0.00"


async def test_a_braced_unicode_escape_of_nul_is_refused_too(api, factory):
    acme = await factory.account()
    body = await api.execute(
        '{ contacts(filter: {search: "a\\u{0}b"}) { totalCount } }', token=acme.owner.token
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"]
