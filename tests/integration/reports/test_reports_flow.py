"""Reports end to end: clicks, leads, a sale with a partial refund and a payout, counted from the stream;
every report's figure equals what the source items say, and the rebuild reproduces the stored rollups."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.streams import StreamPoller
from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.core.money import Money
from shared.links.redirect import Redirector
from shared.partners.models import PayoutMethodKind
from shared.payouts.models import Payout, PayoutStatus
from shared.reports.rebuild import rebuild
from shared.reports.store import RollupStore
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.factories import (
    ADMIN,
    given_api_key,
    given_link,
    given_partner,
    given_plan,
    given_program,
    partner_headers,
)
from tests.helpers.webhooks import deliver

pytestmark = pytest.mark.integration

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
MONTH = "2026-11"


def visit(api: ApiClient, code: str, ip: str) -> None:
    assert api.get(f"/r/{code}", headers={"user-agent": BROWSER}, source_ip=ip).status == 302


def given_activity(api: ApiClient, ctx: AppContext, clock: FixedClock, *, payout: bool = True) -> dict[str, Any]:
    """Ada: 3 clicks from 2 visitors, 2 leads (one qualified), a 100.00 USD sale refunded 30.00, a payout of
    12.00 USD. Grace: 1 click, nothing else."""
    given_plan(api, plan_id="std", sale_rate="0.2", lead_bounty={"amount": 500, "currency": "USD"})
    given_program(api, default_plan_id="std")
    ada = given_partner(api)
    grace = given_partner(api, email="grace@partner.example", name="Grace")
    link = given_link(api, ada["partner_id"], code="ada-link")
    given_link(api, grace["partner_id"], code="grace-link")
    visit(api, "ada-link", "198.51.100.1")
    visit(api, "ada-link", "198.51.100.1")
    visit(api, "ada-link", "198.51.100.2")
    visit(api, "grace-link", "198.51.100.3")
    first = api.post("/leads", json={"email": "a@prospect.example", "ref": "ada-link"}).json["lead_id"]
    api.post("/leads", json={"email": "b@prospect.example", "ref": "ada-link"})
    assert api.post(f"/admin/leads/{first}/status", json={"status": "qualified"}, headers=ADMIN).status == 200
    token = _token(ada["partner_id"], link["code"], clock)
    session = sp.checkout_session(customer="cus_1", client_reference_id=token, subscription="sub_1")
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200
    invoice = sp.invoice(customer="cus_1", subscription="sub_1", amount_paid=10000)
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    payment = sp.invoice_payment(invoice_id=invoice["id"], payment_intent="pi_1", amount=10000)
    assert deliver(api, sp.event("invoice_payment.paid", payment)).status == 200
    assert deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_1", amount=3000))).status == 200
    now = clock.now()
    if not payout:
        return {"ada": ada, "grace": grace}
    ctx.table.put(
        Payout(
            payout_id="pay_1", partner_id=ada["partner_id"], program_id="default", period="2026-10",
            amount=Money(amount=1200, currency="USD"), status=PayoutStatus.PAID, method=PayoutMethodKind.PAYPAL,
            destination="ada@paypal.example", created_at=now, updated_at=now, paid_at=now,
        ).to_item()
    )  # fmt: skip
    return {"ada": ada, "grace": grace}


def _token(partner_id: str, code: str, clock: FixedClock) -> str:
    from shared.links import click_token

    return click_token.issue("test-click-token-secret", code, partner_id, int(clock.now().timestamp()) - 60)


def test_every_report_equals_the_source_items_and_the_rebuild_agrees(
    api: ApiClient, ctx: AppContext, clock: FixedClock, stream: StreamPoller, redirector: Redirector
) -> None:
    # Given clicks, leads, a sale with a partial refund and a payout, counted from the table's stream
    people = given_activity(api, ctx, clock)
    ada, grace = people["ada"]["partner_id"], people["grace"]["partner_id"]
    assert stream.drain() > 0

    # When staff read the partners report for the month
    response = api.get("/admin/reports/partners", query={"from": MONTH, "to": MONTH}, headers=ADMIN)
    assert response.status == 200, response.body
    rows = {row["partner_id"]: row for row in response.json["items"]}

    # Then Ada's funnel is what happened: 3 clicks, 2 visitors, 2 leads, 1 qualified, 1 customer
    row = rows[ada]
    assert (row["clicks"], row["unique_visitors"], row["leads"], row["qualified_leads"], row["customers"]) == (
        3, 2, 2, 1, 1,
    )  # fmt: skip
    # revenue kept after the refund; commission: 20.00 on the sale, 5.00 bounty, -6.00 reversed with the refund
    assert row["revenue"] == {"USD": 7000}
    assert row["refunds"] == {"USD": 3000}
    assert row["commission"] == {"USD": 2000 + 500 - 600}
    assert row["reversals"] == {"USD": 600}
    assert row["payouts"] == {"USD": 1200}
    assert row["conversion"]["visitor_to_lead"] == "1.0000"
    assert (rows[grace]["clicks"], rows[grace]["leads"], rows[grace]["revenue"]) == (1, 0, {})
    assert response.json["next_cursor"] is None

    # And the program's month is the sum of its partners
    program = api.get("/admin/reports/program", query={"from": "2026-10", "to": MONTH}, headers=ADMIN).json
    assert [m["month"] for m in program["items"]] == ["2026-10", MONTH]
    assert program["items"][0]["clicks"] == 0
    november = program["items"][1]
    assert (november["clicks"], november["unique_visitors"], november["leads"], november["customers"]) == (4, 3, 2, 1)
    assert november["revenue"] == {"USD": 7000}

    # And Ada sees her own funnel per month and per link, never Grace's
    key = given_api_key(api, ada)
    own = api.get("/partner/reports", query={"from": MONTH, "to": MONTH}, headers=partner_headers(key)).json
    assert [(m["month"], m["clicks"], m["leads"], m["customers"]) for m in own["items"]] == [(MONTH, 3, 2, 1)]
    assert [(link["code"], link["clicks"], link["leads"]) for link in own["links"]] == [("ada-link", 3, 2)]

    # And the rebuild from the source items reproduces the stored rollups exactly
    assert rebuild(ctx.table, MONTH) == []


def test_a_redelivered_batch_and_a_crash_mid_batch_count_nothing_twice(
    api: ApiClient, ctx: AppContext, clock: FixedClock, redirector: Redirector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stream whose consumer crashes on the fifth record it counts (once), the batch reported partially
    records: list[dict[str, Any]] = []

    def deliver_and_keep(name: str, event: dict[str, Any]) -> Any:
        records.extend(event["Records"])
        return lambdas().invoke(name, event)

    stream = StreamPoller(ctx.table.client, ctx.table.name, deliver_and_keep)
    given_activity(api, ctx, clock)
    calls = {"n": 0}
    original = RollupStore.apply

    def crash_once(self: RollupStore, event_id: str, deltas: Any, now_epoch: int) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:
            raise ConnectionError("the container died here")
        return original(self, event_id, deltas, now_epoch)

    monkeypatch.setattr(RollupStore, "apply", crash_once)

    # When the poller delivers, retries from the failed record, and the whole stream is then delivered again
    stream.drain()
    assert calls["n"] > 5, "the records after the crash were counted, then redelivered"
    lambdas().invoke("rollups", {"Records": records})

    # Then every counter still equals what the source items say
    assert rebuild(ctx.table, MONTH) == []
    partners = api.get("/admin/reports/program", query={"from": MONTH, "to": MONTH}, headers=ADMIN).json
    assert (partners["items"][0]["clicks"], partners["items"][0]["leads"]) == (4, 2)


def test_group_figures_stay_with_the_group_they_were_earned_in_and_the_rebuild_agrees(
    api: ApiClient, ctx: AppContext, clock: FixedClock, stream: StreamPoller, redirector: Redirector
) -> None:
    # Given Ada, moved into the agencies group on November 1st
    from datetime import UTC, datetime

    from shared.groups import service as groups

    given_program(api)
    ada = given_partner(api)["partner_id"]
    given_link(api, ada, code="ada-link")
    for group_id, name in (("agencies", "Agencies"), ("customers", "Customers")):
        groups.save_group(ctx, groups.GroupInput(group_id=group_id, name=name), actor="staff")
    clock.set(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    groups.move_partner(ctx, ada, "agencies", actor="staff")

    # When two visitors click and one leaves a lead on the 2nd, while she is in agencies
    clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    visit(api, "ada-link", "198.51.100.1")
    visit(api, "ada-link", "198.51.100.2")
    lead_id = api.post("/leads", json={"email": "a@prospect.example", "ref": "ada-link"}).json["lead_id"]
    # And she moves to customers on the 10th, where a visitor clicks and the lead is qualified on the 11th
    clock.set(datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    groups.move_partner(ctx, ada, "customers", actor="staff")
    clock.set(datetime(2026, 11, 11, 9, 0, tzinfo=UTC))
    visit(api, "ada-link", "198.51.100.3")
    assert api.post(f"/admin/leads/{lead_id}/status", json={"status": "qualified"}, headers=ADMIN).status == 200
    # And she leaves every group on the 12th (a move re-attributes nothing already earned)
    clock.set(datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    groups.move_partner(ctx, ada, None, actor="staff")
    stream.drain()

    # Then each group shows what was earned while she was in it
    response = api.get("/admin/reports/groups", query={"from": MONTH, "to": MONTH}, headers=ADMIN)
    assert response.status == 200, response.body
    rows = {row["group_id"]: row for row in response.json["items"]}
    figures = ("clicks", "unique_visitors", "leads", "qualified_leads")
    assert [rows["agencies"][f] for f in figures] == [2, 2, 1, 0]
    assert [rows["customers"][f] for f in figures] == [1, 1, 0, 1]
    assert rows["customers"]["name"] == "Customers" and response.json["next_cursor"] is None
    # And the program's month is the groups' sum (Ada is its only partner)
    program = api.get("/admin/reports/program", query={"from": MONTH, "to": MONTH}, headers=ADMIN).json["items"][0]
    assert [program[f] for f in figures] == [3, 3, 1, 1]
    # And the rebuild from the source items (the partner's group moves included) reproduces every group rollup
    assert rebuild(ctx.table, MONTH) == []
    # And a cursor that was not given by the report is refused
    bad = api.get("/admin/reports/groups", query={"cursor": "x"}, headers=ADMIN)
    assert bad.status == 400 and bad.json["error"]["code"] == "invalid_cursor"


def test_a_payout_made_by_the_payout_run_counts_in_the_month_it_was_paid(
    api: ApiClient, ctx: AppContext, clock: FixedClock, stream: StreamPoller, redirector: Redirector
) -> None:
    # Given November's activity: Ada earned 20.00 on the sale, a 5.00 bounty, and 6.00 was reversed with the refund
    from datetime import UTC, datetime

    from shared.payouts.run import PayoutRun

    ada = given_activity(api, ctx, clock, payout=False)["ada"]["partner_id"]
    given_program(api, default_plan_id="std", minimum_payouts={})
    method = {"kind": "paypal", "reference": "ada@pay.example"}
    assert api.put(f"/admin/partners/{ada}/payout-method", json=method, headers=ADMIN).status == 200

    # When December's payouts run after the hold, and finance marks Ada's manual payout paid on January 2nd
    clock.set(datetime(2027, 1, 1, 6, 0, tzinfo=UTC))
    PayoutRun(ctx, None).run("2026-12")
    clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=UTC))
    paid = api.post(f"/admin/payouts/{ada}/2026-12/USD/mark-paid", json={"reference": "PP-1"}, headers=ADMIN)
    assert paid.status == 200, paid.body
    stream.drain()

    # Then January's report shows the payout the ledger paid (19.00), and November's money is unchanged
    january = api.get("/admin/reports/partners", query={"from": "2027-01", "to": "2027-01"}, headers=ADMIN).json
    row = next(r for r in january["items"] if r["partner_id"] == ada)
    assert row["payouts"] == {"USD": paid.json["amount"]["amount"]} == {"USD": 2000 + 500 - 600}
    november = api.get("/admin/reports/partners", query={"from": MONTH, "to": MONTH}, headers=ADMIN).json
    row = next(r for r in november["items"] if r["partner_id"] == ada)
    assert (row["revenue"], row["commission"], row["payouts"]) == ({"USD": 7000}, {"USD": 1900}, {})
    # And the rebuild from the source items agrees
    assert rebuild(ctx.table, "2027-01") == []


def test_currencies_are_never_summed_together(
    api: ApiClient, ctx: AppContext, clock: FixedClock, stream: StreamPoller, redirector: Redirector
) -> None:
    # Given Ada's 100.00 USD sale (30.00 refunded) and a second customer paying her 50.00 EUR
    ada = given_activity(api, ctx, clock, payout=False)["ada"]["partner_id"]
    token = _token(ada, "ada-link", clock)
    session = sp.checkout_session(customer="cus_2", client_reference_id=token, subscription="sub_2")
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200
    invoice = sp.invoice(customer="cus_2", subscription="sub_2", amount_paid=5000, currency="eur")
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    stream.drain()

    # When staff read the partners report (JSON and CSV) and the program's month
    query = {"from": MONTH, "to": MONTH}
    row = next(
        r
        for r in api.get("/admin/reports/partners", query=query, headers=ADMIN).json["items"]
        if r["partner_id"] == ada
    )
    csv_text = api.get("/admin/reports/partners", query={**query, "format": "csv"}, headers=ADMIN).body.decode()
    program = api.get("/admin/reports/program", query=query, headers=ADMIN).json["totals"]

    # Then each currency keeps its own figure: 70.00 USD and 50.00 EUR, never 120.00 of anything
    assert row["revenue"] == program["revenue"] == {"EUR": 5000, "USD": 7000}
    assert row["commission"] == {"EUR": 1000, "USD": 1900}
    header, *lines = csv_text.splitlines()
    ada_line = dict(
        zip(header.split(","), next(line for line in lines if line.startswith(ada)).split(","), strict=True)
    )
    assert (ada_line["revenue_EUR"], ada_line["revenue_USD"]) == ("5000", "7000")
    assert "revenue" not in header.split(",")
    assert rebuild(ctx.table, MONTH) == []
