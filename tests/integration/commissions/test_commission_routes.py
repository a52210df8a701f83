"""Admin and partner commission routes: listings with source and effective status, balances per currency,
approve early, void with a reason (paid entries refused), partner isolation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_api_key, given_partner, given_plan, given_program, partner_headers
from tests.helpers.webhooks import deliver, paid_invoice


@pytest.fixture
def partner(api: ApiClient) -> dict[str, Any]:
    """A partner on a 20 % plan."""
    given_program(api)
    return given_partner(api, plan_id=given_plan(api, sale_rate="0.2")["plan_id"])


@pytest.fixture
def earned(api: ApiClient, partner: dict[str, Any]) -> str:
    """The partner earned 2000 USD cents on a paid invoice (payment pi_routes); returns the commission id."""
    paid_invoice(api, partner, "cus_routes", "pi_routes")
    listing = api.get("/admin/commissions", headers=ADMIN, query={"partner_id": partner["partner_id"]}).json
    return str(listing["items"][0]["commission_id"])


def test_admin_lists_with_source_and_effective_status(
    api: ApiClient,
    clock: FixedClock,
    partner: dict[str, Any],
    earned: str,
) -> None:
    response = api.get("/admin/commissions", headers=ADMIN)
    assert response.status == 200
    [item] = response.json["items"]
    assert (item["rule"], item["amount"], item["status"]) == (
        "sale_rate",
        {"amount": 2000, "currency": "USD"},
        "pending",
    )
    assert item["source"]["customer_id"] == "cus_routes" and item["source"]["invoice_id"].startswith("in_")
    clock.advance(days=31)  # the hold period is over: payable
    assert (
        api.get("/admin/commissions", headers=ADMIN, query={"status": "approved"}).json["items"][0]["status"]
        == "approved"
    )
    assert api.get("/admin/commissions", headers=ADMIN, query={"status": "bogus"}).status == 422


def test_approve_early_makes_it_payable_now(
    api: ApiClient,
    ctx: AppContext,
    partner: dict[str, Any],
    earned: str,
) -> None:
    response = api.post(f"/admin/commissions/{partner['partner_id']}/{earned}/approve", headers=ADMIN)
    assert (response.status, response.json["status"]) == (200, "approved")
    item = ctx.table.get(keys.commission(partner["partner_id"], earned)) or {}
    assert item["gsi2sk"].startswith(item["available_at"])


def test_void_removes_it_from_the_payable_index_with_its_reversals(
    api: ApiClient,
    ctx: AppContext,
    partner: dict[str, Any],
    earned: str,
) -> None:
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_routes", amount=5000)))
    assert api.post(f"/admin/commissions/{partner['partner_id']}/{earned}/void", json={}, headers=ADMIN).status == 422
    response = api.post(
        f"/admin/commissions/{partner['partner_id']}/{earned}/void", json={"reason": "self-referral"}, headers=ADMIN
    )
    assert response.status == 200
    assert response.json["status"] == "voided" and response.json["note"] == "self-referral"
    assert [r["status"] for r in response.json["reversals"]] == ["voided"]
    for entry in ctx.commissions.all_for_partner(partner["partner_id"]):
        assert "gsi2pk" not in (ctx.table.get(keys.commission(partner["partner_id"], entry.commission_id)) or {})


def test_a_paid_entry_cannot_be_voided(
    api: ApiClient,
    ctx: AppContext,
    partner: dict[str, Any],
    earned: str,
) -> None:
    # Given a payout claimed the entry (the ledger's claim, as the payout run writes it)
    claim = ctx.commissions.claim_actions(partner["partner_id"], "po_1", "USD", [(earned, 2000, None)], ctx.clock.now())
    ctx.table.transact_write(claim)
    response = api.post(
        f"/admin/commissions/{partner['partner_id']}/{earned}/void", json={"reason": "late"}, headers=ADMIN
    )
    assert (response.status, response.error_code) == (409, "commission_paid")
    # And a refund after payout leaves a negative balance, netted from the next payout
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_routes", amount=10000)))
    key = given_api_key(api, partner["partner_id"])
    balances = api.get("/partner/balance", headers=partner_headers(key)).json["balances"]
    assert balances["USD"]["paid"] == 2000 and balances["USD"]["unpaid"] == -2000


def test_partner_sees_only_its_own_entries_and_balances(
    api: ApiClient,
    partner: dict[str, Any],
    earned: str,
) -> None:
    own = api.get("/partner/commissions", headers=partner_headers(given_api_key(api, partner["partner_id"]))).json
    assert [i["commission_id"] for i in own["items"]] == [earned]
    assert own["balances"]["USD"]["pending"] == 2000
    other = given_partner(api, email="grace@partner.example")
    theirs = api.get("/partner/commissions", headers=partner_headers(given_api_key(api, other["partner_id"]))).json
    assert theirs["items"] == [] and theirs["balances"] == {}
    assert api.get(f"/admin/commissions/{other['partner_id']}/{earned}", headers=ADMIN).status == 404
    assert api.get("/partner/commissions").status == 401


def test_a_forged_cursor_is_400(api: ApiClient, partner: dict[str, Any]) -> None:
    assert api.get("/admin/commissions", headers=ADMIN, query={"cursor": "bm9wZQ"}).error_code == "invalid_cursor"


def test_a_status_filter_reads_only_matching_entries_page_by_page(
    api: ApiClient, ctx: AppContext, clock: FixedClock, partner: dict[str, Any]
) -> None:
    # Given three paid invoices (2000 each): one disputed (held), and a day later two more
    for n in range(3):
        paid_invoice(api, partner, f"cus_page{n}", f"pi_page{n}")
    deliver(api, sp.event("charge.dispute.created", sp.dispute(payment_intent="pi_page0", status="needs_response")))
    clock.advance(days=1)
    for n in range(3, 5):
        paid_invoice(api, partner, f"cus_page{n}", f"pi_page{n}")
    headers = partner_headers(given_api_key(api, partner["partner_id"]))

    # When 30 days later the partner pages through its approved entries, one per page
    clock.advance(days=29, hours=12)  # the first invoices' hold is over, the later ones' is not
    pages, cursor, requests = [], None, []
    while True:
        before = ctx.table.request_count
        query = {"status": "approved", "limit": "1", **({"cursor": cursor} if cursor else {})}
        page = api.get("/partner/commissions", query=query, headers=headers).json
        requests.append(ctx.table.request_count - before)
        pages.append([i["status"] for i in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break

    # Then every page is full (no page of other statuses filtered away) and costs at most 3 requests
    assert pages[:2] == [["approved"], ["approved"]] and all(p in ([], ["approved"]) for p in pages)
    assert sum(len(p) for p in pages) == 2 and max(requests) <= 3
    pending = api.get("/partner/commissions", query={"status": "pending"}, headers=headers).json
    held = api.get("/partner/commissions", query={"status": "held"}, headers=headers).json
    assert [i["status"] for i in pending["items"]] == ["pending", "pending"]
    assert [(i["status"], i["source"]["customer_id"]) for i in held["items"]] == [("held", "cus_page0")]
    assert held["balances"]["USD"] == {
        "pending": 4000,
        "approved": 4000,
        "held": 2000,
        "paid": 0,
        "unpaid": 8000,
        "in_review": 0,
    }
    # And the admin filter of one partner reads the same entries
    admin = api.get("/admin/commissions", headers=ADMIN, query={"partner_id": partner["partner_id"], "status": "held"})
    assert [i["commission_id"] for i in admin.json["items"]] == [i["commission_id"] for i in held["items"]]


def test_an_entry_is_read_with_its_reversals_in_one_request(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any], earned: str
) -> None:
    # Given two partial refunds of the paid invoice
    for amount in (2500, 5000):
        deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_routes", amount=amount)))
    # When the admin reads the entry
    before = ctx.table.request_count
    response = api.get(f"/admin/commissions/{partner['partner_id']}/{earned}", headers=ADMIN)
    # Then it comes with both reversals, from one Query on the entry's id
    assert response.status == 200 and ctx.table.request_count - before == 1
    assert [r["amount"]["amount"] for r in response.json["reversals"]] == [-500, -1000]  # 20 % of 2500, of 5000
    assert {r["reverses"] for r in response.json["reversals"]} == {earned}


def test_the_balance_is_read_in_at_most_three_requests(
    api: ApiClient, ctx: AppContext, clock: FixedClock, partner: dict[str, Any]
) -> None:
    # Given a commission earned at 10:00:30, so it releases at 10:00:30 thirty days later
    clock.advance(seconds=30)
    paid_invoice(api, partner, "cus_minute", "pi_minute")
    headers = partner_headers(given_api_key(api, partner["partner_id"]))
    released = clock.now() + timedelta(days=30)
    # When the partner reads its balance during the hold, ten seconds before it releases, and after
    readings = []
    for moment in (clock.now(), released - timedelta(seconds=10), released + timedelta(seconds=10)):
        clock.set(moment)
        before = ctx.table.request_count
        balances = api.get("/partner/balance", headers=headers).json["balances"]
        readings.append((balances["USD"]["pending"], balances["USD"]["approved"], ctx.table.request_count - before))
    # Then it moves from pending to approved on time, each read costing the API key and the aggregates, plus
    # (in the minute an entry releases) the few entries of that minute
    assert readings == [(2000, 0, 2), (2000, 0, 3), (0, 2000, 3)]
    clock.advance(minutes=1)
    before = ctx.table.request_count
    assert api.get("/partner/balance", headers=headers).json["balances"]["USD"]["approved"] == 2000
    assert ctx.table.request_count - before == 2
