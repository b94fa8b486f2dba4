"""contacts(filter: {billedAsMarketing}): who still counts toward the contact tier."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db import models
from db.enums import MarketingStatus

BILLED = """query($billed: Boolean) {
  contacts(filter: {billedAsMarketing: $billed}) {
    totalCount edges { node { name marketingStatus billedAsMarketingUntil } }
  }
}"""


async def test_billed_as_marketing_includes_switched_off_contacts_until_their_date(
    api, factory, sessionmaker, clock
):
    acme = await factory.account()
    await factory.contacts(acme, 2, status=MarketingStatus.MARKETING, name_prefix="Hot")
    await factory.contacts(acme, 3, name_prefix="Cold")
    async with sessionmaker.begin() as session:
        await session.execute(
            update(models.Contact)
            .where(models.Contact.name == "Cold 0")
            .values(billed_as_marketing_until=clock.now() + timedelta(days=3))
        )
        await session.execute(
            update(models.Contact)
            .where(models.Contact.name == "Cold 1")
            .values(billed_as_marketing_until=clock.now() - timedelta(days=3))
        )

    async def names(billed: bool) -> list[str]:
        data = await api.data(BILLED, {"billed": billed}, token=acme.owner.token)
        return sorted(edge["node"]["name"] for edge in data["contacts"]["edges"])

    assert await names(True) == ["Cold 0", "Hot 0", "Hot 1"]
    assert await names(False) == ["Cold 1", "Cold 2"]
    usage = await api.data("{ contactUsage { billedMarketingContacts } }", token=acme.owner.token)
    assert usage["contactUsage"]["billedMarketingContacts"] == 3
