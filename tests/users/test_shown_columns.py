"""A user is read with the columns the API shows (``resolvers.loaders.USER_SHOWN_COLUMNS``):
the users list and the ``user`` loader select no password hash, and a user's API object is
built from those columns alone."""

from __future__ import annotations

from types import SimpleNamespace

from db.records import record_type
from resolvers.loaders import USER_SHOWN_COLUMNS
from schema.users import User


def test_a_user_is_shown_from_the_shown_columns_alone():
    row = record_type(USER_SHOWN_COLUMNS)(
        id=7,
        name="Ada",
        email="ada@example.com",
        photo_url=None,
        status="ACTIVE",
        role="ADMIN",
        is_account_owner=False,
        can_set_marketing_status=True,
        deactivated_at=None,
        deleted_at=None,
    )
    ctx = SimpleNamespace(viewer_or_none=None)
    user = User.from_row(row, ctx)  # type: ignore[arg-type]  # an AttributeError if one is missing
    assert (user.pk, user.display_name, user.email) == (7, "Ada", "ada@example.com")


async def test_the_users_list_and_the_user_loader_read_no_password_hash(api, factory, statements):
    acme = await factory.account()
    user = await factory.user(acme, name="Owner Of Two")
    await factory.contacts(acme, 2, owner=user)
    for query in (
        "{ users(first: 10) { edges { node { id displayName } } } }",  # the list
        "{ contacts(first: 10) { edges { node { owner { displayName } } } } }",  # the loader
    ):
        statements.reset()
        data = await api.data(query, token=acme.owner.token)
        assert "Owner Of Two" in str(data)
        reads_of_users = [s for s in statements.statements if "FROM users" in s]
        assert reads_of_users, query
        for statement in reads_of_users:
            assert "password_hash" not in statement, statement
