"""Admin and partner commission routes: listings with source and effective status, balances per currency,
approve early, void with a reason (paid entries refused), partner isolation."""

from __future__ import annotations

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
    ctx.table.update(
        keys.commission(partner["partner_id"], earned),
        "SET #s = :paid, payout_id = :p REMOVE gsi2pk, gsi2sk",
        names={"#s": "status"},
        values={":paid": "paid", ":p": "po_1"},
    )
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
