"""The console's Reports page: staff see the program's months, the leaderboard and the partners who need
attention, and choose the partner of the month there."""

from __future__ import annotations

import pytest

from devstack.streams import StreamPoller
from shared.commissions import adjustments
from shared.context import AppContext
from shared.groups import service as groups
from shared.partners.models import Partner
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.browser_client import PageClient
from tests.helpers.factories import ADMIN
from tests.integration.console.conftest import staff, staff_emails  # noqa: F401 - the console's fixtures

pytestmark = pytest.mark.integration


def test_staff_see_the_leaderboard_and_health_and_choose_the_partner_of_the_month(
    api: ApiClient,
    ctx: AppContext,
    ada: Partner,
    bob: Partner,
    staff: PageClient,  # noqa: F811 - fixture
) -> None:
    # Given Ada referred two leads this month and Bob one, ranked by qualified leads
    stream = StreamPoller(ctx.table.client, ctx.table.name, lambdas().invoke)
    for n, code in enumerate(("ada-link", "ada-link", "bob-link")):
        lead_id = api.post("/leads", json={"email": f"p{n}@prospect.example", "ref": code}).json["lead_id"]
        assert api.post(f"/admin/leads/{lead_id}/status", json={"status": "qualified"}, headers=ADMIN).status == 200
    settings = {"metric": "qualified_leads", "currency": "USD", "partners_see_names": True}
    assert api.put("/admin/reports/recognition-settings", json=settings, headers=ADMIN).status == 200
    stream.drain()

    # When staff open the Reports page and choose Ada
    page = staff.get("/console/reports")
    assert page.status == 200
    board = staff.text.split('id="board-h"')[1].split("</section>")[0]
    assert board.index("Ada Lovelace") < board.index("Bob Builder")
    months = staff.text.split('id="months-h"')[1].split("</section>")[0]
    assert months.count("<rect ") == 12 and "<title>November 2026: 0</title>" in months  # the clicks chart
    health = staff.text.split('id="health-h"')[1].split("</section>")[0]
    assert "has no payout method" in health and "Bob Builder" in health
    chosen = staff.post("/console/reports/partner-of-the-month", {"month": "2026-11", "partner_id": ada.partner_id})

    # Then the choice is kept, shown in the console and to partners
    assert chosen.status == 303
    staff.get(chosen.headers["location"])
    assert "Partner of the month saved." in staff.text
    assert api.get("/admin/reports/partner-of-the-month/2026-11", headers=ADMIN).json["name"] == "Ada Lovelace"


def test_staff_reward_the_partner_of_the_month_once_and_see_each_groups_figures(
    api: ApiClient,
    ctx: AppContext,
    ada: Partner,
    staff: PageClient,  # noqa: F811 - fixture
) -> None:
    # Given Ada in the agencies group, with a qualified lead this month
    stream = StreamPoller(ctx.table.client, ctx.table.name, lambdas().invoke)
    groups.save_group(ctx, groups.GroupInput(group_id="agencies", name="Agencies"), actor="staff")
    groups.move_partner(ctx, ada.partner_id, "agencies", actor="staff")
    lead_id = api.post("/leads", json={"email": "p@prospect.example", "ref": "ada-link"}).json["lead_id"]
    assert api.post(f"/admin/leads/{lead_id}/status", json={"status": "qualified"}, headers=ADMIN).status == 200
    stream.drain()

    # When staff choose Ada with a 25.00 reward, twice (a double submit)
    staff.get("/console/reports")
    form = {"month": "2026-11", "partner_id": ada.partner_id, "reward_amount": "25.00", "reward_currency": "usd"}
    assert staff.post("/console/reports/partner-of-the-month", form).status == 303
    staff.get("/console/reports")
    chosen = staff.post("/console/reports/partner-of-the-month", form)

    # Then one adjustment of 25.00 is in her ledger, and the page names the reward
    assert chosen.status == 303
    assert [a["amount"] for a in adjustments.partner_adjustments(ctx, ada.partner_id)] == [
        {"amount": 2500, "currency": "USD"}
    ]
    staff.get(chosen.headers["location"])
    assert "Reward" in staff.text and "$25.00" in staff.text
    # And the groups section shows the agencies group's lead
    section = staff.text.split('id="groups-h"')[1].split("</section>")[0]
    assert "Agencies" in section
    cells = section.split("Agencies")[1].split("</tr>")[0]
    assert cells.count('<td class="num">1</td>') == 2  # its lead and its qualified lead
    # And a reward written in no currency's units is refused, paying nothing more
    staff.get("/console/reports")
    bad = staff.post("/console/reports/partner-of-the-month", {**form, "reward_amount": "2.5.0"})
    assert bad.status == 400
    assert len(adjustments.partner_adjustments(ctx, ada.partner_id)) == 1
