"""The portal shows the partner's figures from the rollups (dashboard, 12-month chart, reports page with its
rank and the partner of the month); staff read the leaderboard and the partners that need attention."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.streams import StreamPoller
from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.links.redirect import Redirector
from shared.partners.models import Partner
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient
from tests.helpers.factories import ADMIN

pytestmark = pytest.mark.integration

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def visits(api: ApiClient, code: str, count: int) -> None:
    for n in range(count):
        assert api.get(f"/r/{code}", headers={"user-agent": BROWSER}, source_ip=f"198.51.100.{n + 1}").status == 302


def test_the_dashboard_shows_this_months_and_all_time_figures_and_a_12_month_chart(
    *, api: ApiClient, ctx: AppContext, clock: FixedClock, ada: Partner, mail_dir: Path, redirector: Redirector
) -> None:
    # Given Ada's link clicked by 3 visitors in October and 2 in November, counted from the stream
    stream = StreamPoller(ctx.table.client, ctx.table.name, _invoke)
    clock.advance(days=-20)
    visits(api, "ada-link", 3)
    clock.advance(days=20)
    visits(api, "ada-link", 2)
    stream.drain()

    # When Ada opens her dashboard
    browser = PageClient(api, ip="198.51.100.20")
    assert browser.sign_in("ada@partners.example", mail_dir).status == 303
    browser.get("/portal")

    # Then this month shows 2 clicks, all time 5, and the chart has a bar per month with its figure
    text = browser.text
    assert "Clicks this month" in text and "Clicks, all time" in text
    assert '<svg viewBox="0 -12 240 124" role="img"' in text
    assert text.count("<rect ") == 12
    assert "October 2026: 3</title>" in text and "November 2026: 2</title>" in text


def test_staff_choose_a_partner_of_the_month_partners_see_it_with_their_rank_and_staff_see_health(
    *, api: ApiClient, ctx: AppContext, ada: Partner, bob: Partner, mail_dir: Path, redirector: Redirector
) -> None:
    # Given leads this month for Ada (2) and Bob (1), ranked on qualified leads... here on customers won: none,
    # so the program ranks on qualified leads after staff say so
    stream = StreamPoller(ctx.table.client, ctx.table.name, _invoke)
    for n, code in enumerate(("ada-link", "ada-link", "bob-link")):
        assert api.post("/leads", json={"email": f"p{n}@prospect.example", "ref": code}).status == 201
    lead_ids = [item["lead_id"] for item in api.get("/admin/leads", headers=ADMIN).json["items"]]
    for lead_id in lead_ids:
        assert api.post(f"/admin/leads/{lead_id}/status", json={"status": "qualified"}, headers=ADMIN).status == 200
    settings = {"metric": "qualified_leads", "currency": "USD", "partners_see_names": False}
    assert api.put("/admin/reports/recognition-settings", json=settings, headers=ADMIN).status == 200
    stream.drain()

    # When staff read the leaderboard and choose Ada as partner of the month
    board = api.get("/admin/reports/leaderboard", query={"month": "2026-11"}, headers=ADMIN).json
    assert [(row["rank"], row["name"], row["score"]) for row in board["items"]] == [
        (1, "Ada Lovelace", 2),
        (2, "Bob Builder", 1),
    ]
    chosen = api.put(
        "/admin/reports/partner-of-the-month/2026-11", json={"partner_id": ada.partner_id, "note": "Two in a week"},
        headers=ADMIN,
    )  # fmt: skip
    assert chosen.status == 200

    # Then Bob sees the spotlight and his own rank, but no names (the program hides them)
    browser = PageClient(api, ip="198.51.100.21")
    assert browser.sign_in("bob@partners.example", mail_dir).status == 303
    browser.get("/portal/reports")
    assert "Partner of the month" in browser.text and "Ada Lovelace" in browser.text and "Two in a week" in browser.text
    assert "#2 of 2" in browser.text
    rank_section = browser.text.split('id="rank-h"')[1].split("</section>")[0]
    assert "Ada Lovelace" not in rank_section

    # And staff see both partners need attention: no payout method (and Bob also never accepted the agreement)
    health = api.get("/admin/reports/health", headers=ADMIN).json["items"]
    reasons = {row["name"]: {r["code"] for r in row["reasons"]} for row in health}
    assert "no_payout_method" in reasons["Bob Builder"] and "agreement_not_accepted" in reasons["Bob Builder"]
    assert "inactive" not in reasons["Ada Lovelace"]


def test_report_queries_refuse_bad_input_with_a_4xx_naming_it(api: ApiClient, ctx: AppContext) -> None:
    # A month that is no month is a validation error (422); a range backwards or too long, a bad sort or cursor: 400
    assert api.get("/admin/reports/partners", query={"from": "2026-13"}, headers=ADMIN).status == 422
    for query, code in (
        ({"from": "2026-11", "to": "2026-10"}, "invalid_range"),
        ({"from": "2020-01", "to": "2026-11"}, "range_too_long"),
        ({"sort": "nope"}, "invalid_sort"),
        ({"cursor": "garbage!"}, "invalid_cursor"),
    ):
        response = api.get("/admin/reports/partners", query=query, headers=ADMIN)
        assert (response.status, response.error_code) == (400, code), query


def _invoke(name: str, event: dict[str, object]) -> object:
    from tests.helpers.api import lambdas

    return lambdas().invoke(name, event)


def test_the_partners_report_pages_with_a_cursor_and_downloads_as_csv(
    api: ApiClient, ctx: AppContext, ada: Partner, bob: Partner, redirector: Redirector
) -> None:
    # Given Ada's link clicked twice and Bob's once, counted from the stream
    stream = StreamPoller(ctx.table.client, ctx.table.name, _invoke)
    visits(api, "ada-link", 2)
    visits(api, "bob-link", 1)
    stream.drain()

    # When staff read the report a partner per page, then sorted by clicks, then as CSV
    first = api.get("/admin/reports/partners", query={"limit": "1"}, headers=ADMIN).json
    second = api.get("/admin/reports/partners", query={"limit": "1", "cursor": first["next_cursor"]}, headers=ADMIN)
    both = api.get("/admin/reports/partners", query={"sort": "-clicks"}, headers=ADMIN).json["items"]
    csv = api.get("/admin/reports/partners", query={"format": "csv"}, headers=ADMIN)

    # Then the pages hold each partner once, the sort puts Ada (most clicks) first, and the CSV has one row per partner
    names = [first["items"][0]["name"], second.json["items"][0]["name"]]
    assert sorted(names) == ["Ada Lovelace", "Bob Builder"]
    assert [(row["name"], row["clicks"]) for row in both] == [("Ada Lovelace", 2), ("Bob Builder", 1)]
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.body.decode().splitlines()
    assert lines[0].startswith("partner_id,name,status,clicks,unique_visitors,leads,qualified_leads,customers")
    assert sorted(line.split(",")[1:4] for line in lines[1:]) == [
        ["Ada Lovelace", "active", "2"],
        ["Bob Builder", "active", "1"],
    ]
