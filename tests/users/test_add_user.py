"""addUser: admin only, takes a seat FREE -> pending removal -> purchase (opt-in), no password."""

from __future__ import annotations

from decimal import Decimal

from db.enums import LedgerEntryKind, Role, SeatStatus, UserStatus
from db.models import AuditEvent, LedgerEntry, User
from tests.billing.helpers import ADD_USER, Db

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }"


def _input(**extra):
    return {"input": {"name": "Nina New", "email": "nina@acme.example", **extra}}


async def test_admin_adds_user_on_a_free_seat_without_charge_or_password(
    api, factory, sessionmaker
):
    acme = await factory.account(free_seats=1)
    db = Db(sessionmaker)

    data = await api.data(ADD_USER, _input(role="ADMIN"), token=acme.owner.token)

    payload = data["addUser"]
    assert payload["userErrors"] == []
    assert payload["user"]["status"] == "ACTIVE"
    assert payload["user"]["role"] == "ADMIN"
    assert payload["user"]["seat"] == {"status": "OCCUPIED"}
    assert payload["billingPreview"]["immediateCharge"]["amount"] == "0.00"
    assert payload["billingPreview"]["lines"] == []
    users = [u for u in await _users(db, acme.id) if u.email == "nina@acme.example"]
    assert users[0].password_hash is None
    assert users[0].role is Role.ADMIN
    assert await db.ledger(acme.id) == []
    assert len(await db.audit(acme.id, "user.add")) == 1


async def test_new_user_cannot_log_in_until_a_password_is_set(api, factory):
    acme = await factory.account(free_seats=1)
    await api.data(ADD_USER, _input(), token=acme.owner.token)

    data = await api.data(LOGIN, {"i": {"email": "nina@acme.example", "password": ""}})

    assert data["login"]["token"] is None
    assert data["login"]["userErrors"][0]["code"] == "UNAUTHENTICATED"


async def test_added_user_takes_a_pending_removal_seat_and_cancels_its_removal(
    api, factory, sessionmaker
):
    acme = await factory.account(pending_removal_seats=1)
    db = Db(sessionmaker)

    data = await api.data(ADD_USER, _input(), token=acme.owner.token)

    payload = data["addUser"]
    assert payload["seat"]["status"] == "OCCUPIED"
    assert payload["seat"]["removalEffectiveAt"] is None
    assert payload["billingPreview"]["immediateCharge"]["amount"] == "0.00"
    assert [line["description"] for line in payload["billingPreview"]["lines"]] == [
        "Seat removal cancelled"
    ]
    seats = await db.seats(acme.id)
    assert sorted(s.status for s in seats) == [SeatStatus.OCCUPIED, SeatStatus.OCCUPIED]
    assert [row.kind for row in await db.ledger(acme.id)] == [LedgerEntryKind.SCHEDULED]


async def test_buying_a_seat_needs_opt_in_and_refusal_changes_nothing(api, factory, sessionmaker):
    acme = await factory.account()
    db = Db(sessionmaker)

    data = await api.data(ADD_USER, _input(), token=acme.owner.token)

    payload = data["addUser"]
    assert payload["user"] is None
    assert payload["userErrors"][0]["code"] == "SEAT_PURCHASE_REQUIRED"
    assert payload["userErrors"][0]["field"] == ["input", "allowSeatPurchase"]
    preview = payload["billingPreview"]
    assert preview["immediateCharge"] == {"amount": "15.44", "currencyCode": "EUR"}
    assert preview["billableSeatsBefore"] == 1
    assert preview["billableSeatsAfter"] == 2
    assert await db.count(User, account_id=acme.id) == 1
    assert await db.count(LedgerEntry, account_id=acme.id) == 0
    assert await db.count(AuditEvent, account_id=acme.id) == 0


async def test_opted_in_purchase_charges_the_prorated_seat_price(api, factory, sessionmaker):
    acme = await factory.account()
    db = Db(sessionmaker)

    data = await api.data(ADD_USER, _input(allowSeatPurchase=True), token=acme.owner.token)

    assert data["addUser"]["userErrors"] == []
    [charge] = await db.ledger(acme.id)
    assert charge.kind is LedgerEntryKind.CHARGE
    assert charge.amount == Decimal("15.44")
    assert charge.quantity == 1
    [event] = await db.audit_details(acme.id, "user.add")
    assert event["charge_id"] == charge.operation_id
    assert "nina" not in str(event)  # audit details carry no personal data


async def test_regular_user_cannot_add_users(api, factory):
    acme = await factory.account(free_seats=1)
    regular = await factory.user(acme)

    data = await api.data(ADD_USER, _input(), token=regular.token)

    assert data["addUser"]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_email_used_by_a_non_deleted_user_is_a_conflict_case_insensitively(api, factory):
    acme = await factory.account(free_seats=2)
    await factory.user(acme, status=UserStatus.DEACTIVATED, email="nina@acme.example")

    data = await api.data(
        ADD_USER, {"input": {"name": "N", "email": " NINA@Acme.example "}}, token=acme.owner.token
    )

    assert data["addUser"]["userErrors"] == [
        {
            "field": ["input", "email"],
            "code": "CONFLICT",
            "message": "A user with this email already exists in the account.",
        }
    ]


async def test_invalid_name_or_email_is_invalid_input(api, factory):
    acme = await factory.account(free_seats=1)

    bad_email = await api.data(
        ADD_USER, {"input": {"name": "N", "email": "nope"}}, token=acme.owner.token
    )
    bad_name = await api.data(
        ADD_USER, {"input": {"name": "  ", "email": "a@b.example"}}, token=acme.owner.token
    )

    assert bad_email["addUser"]["userErrors"][0]["field"] == ["input", "email"]
    assert bad_email["addUser"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert bad_name["addUser"]["userErrors"][0]["field"] == ["input", "name"]


async def test_dry_run_returns_the_preview_and_adds_nobody(api, factory, sessionmaker):
    acme = await factory.account()
    db = Db(sessionmaker)

    data = await api.data(ADD_USER, _input(dryRun=True), token=acme.owner.token)

    assert data["addUser"]["user"] is None
    assert data["addUser"]["billingPreview"]["immediateCharge"]["amount"] == "15.44"
    assert await db.count(User, account_id=acme.id) == 1
    assert await db.count(AuditEvent, account_id=acme.id) == 0


async def _users(db: Db, account_id: int) -> list[User]:
    from sqlalchemy import select

    async with db.sessionmaker() as session:
        return list(
            (await session.scalars(select(User).where(User.account_id == account_id))).all()
        )
