"""Per-account defaults of the marketing status by contact source (admins change them)."""

from __future__ import annotations

from tests.contacts.helpers import audit_events
from tests.contacts.test_create_contact import SET_DEFAULT

DEFAULTS = "query { contactSourceDefaults { source marketingStatus overridden } }"


def _by_source(entries):
    return {e["source"]: (e["marketingStatus"], e["overridden"]) for e in entries}


async def test_built_in_defaults_are_listed_for_every_source(api, factory):
    acme = await factory.account()
    clerk = await factory.user(acme)

    data = await api.data(DEFAULTS, token=clerk.token)

    assert _by_source(data["contactSourceDefaults"]) == {
        "MANUAL": ("NON_MARKETING", False),
        "IMPORT": (None, False),
        "FORM": (None, False),
        "API": ("NON_MARKETING", False),
        "INTEGRATION": ("NON_MARKETING", False),
        "CONVERSATION": ("NON_MARKETING", False),
    }


async def test_an_admin_overrides_a_default_and_can_set_it_back(api, factory, sessionmaker):
    acme = await factory.account()
    change = {"source": "INTEGRATION", "marketingStatus": "MARKETING"}

    changed = await api.data(SET_DEFAULT, {"input": change}, token=acme.owner.token)
    assert _by_source(changed["setContactSourceDefault"]["defaults"])["INTEGRATION"] == (
        "MARKETING",
        True,
    )

    back = {"source": "INTEGRATION", "marketingStatus": "NON_MARKETING"}
    reset = await api.data(SET_DEFAULT, {"input": back}, token=acme.owner.token)
    assert _by_source(reset["setContactSourceDefault"]["defaults"])["INTEGRATION"] == (
        "NON_MARKETING",
        False,
    )
    events = await audit_events(sessionmaker, acme.id, "contact.set_source_default")
    assert [(e["source"], e["before"], e["after"]) for e in events] == [
        ("INTEGRATION", "NON_MARKETING", "MARKETING"),
        ("INTEGRATION", "MARKETING", "NON_MARKETING"),
    ]


async def test_overrides_belong_to_one_account(api, factory):
    acme = await factory.account()
    other = await factory.account("Globex")
    change = {"source": "MANUAL", "marketingStatus": "MARKETING"}
    await api.data(SET_DEFAULT, {"input": change}, token=acme.owner.token)

    data = await api.data(DEFAULTS, token=other.owner.token)

    assert _by_source(data["contactSourceDefaults"])["MANUAL"] == ("NON_MARKETING", False)


async def test_a_non_admin_cannot_change_defaults(api, factory, sessionmaker):
    acme = await factory.account()
    clerk = await factory.user(acme)
    change = {"source": "MANUAL", "marketingStatus": "MARKETING"}

    data = await api.data(SET_DEFAULT, {"input": change}, token=clerk.token)

    payload = data["setContactSourceDefault"]
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    assert _by_source(payload["defaults"])["MANUAL"] == ("NON_MARKETING", False)
    assert await audit_events(sessionmaker, acme.id, "contact.set_source_default") == []


async def test_form_and_import_have_no_default_to_change(api, factory):
    acme = await factory.account()
    change = {"source": "IMPORT", "marketingStatus": "MARKETING"}

    data = await api.data(SET_DEFAULT, {"input": change}, token=acme.owner.token)

    assert [(e["code"], e["field"]) for e in data["setContactSourceDefault"]["userErrors"]] == [
        ("INVALID_INPUT", ["input", "source"])
    ]
