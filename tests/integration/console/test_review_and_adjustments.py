"""The review queue, adjustments and the payout method from the console: the commissions' and partners'
services decide (the same ones the admin API calls); every decision is in the partner's audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.audit import service as audit
from shared.commissions import service as commissions
from shared.console.web import minor_units
from shared.context import AppContext
from shared.partners.models import Partner, PayoutMethodKind
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient
from tests.helpers.factories import given_partner, given_plan, given_program
from tests.integration.commissions.test_review_queue import buy

from .conftest import STAFF


@pytest.fixture
def flagged(api: ApiClient, ctx: AppContext) -> dict[str, Any]:
    """Dana bought twice through her own link: two commissions ($20 and $10) wait in review."""
    given_program(api)
    plan = given_plan(api, sale_rate="0.2")
    partner = given_partner(api, email="dana@partner.example", plan_id=plan["plan_id"])
    buy(api, partner, "cus_a", "dana@partner.example")
    buy(api, partner, "cus_b", "dana@partner.example", amount=5000)
    return partner


@pytest.fixture
def staff_browser(api: ApiClient, mail_dir: Path) -> PageClient:
    client = PageClient(api, ip="198.51.100.21")
    assert client.sign_in(STAFF, mail_dir, area="/console").status == 303
    return client


def _waiting(ctx: AppContext, partner_id: str) -> dict[int, str]:
    rows, _ = commissions.review_page(ctx, partner_id=partner_id, limit=10, cursor=None)
    return {row["amount"]["amount"]: row["commission_id"] for row in rows}


def test_staff_approve_or_reject_flagged_commissions_with_a_reason(
    staff_browser: PageClient, ctx: AppContext, flagged: dict[str, Any]
) -> None:
    pid = flagged["partner_id"]
    waiting = _waiting(ctx, pid)
    # Given the queue shows both, each with why it waits
    staff_browser.get("/console/review")
    assert "$20.00" in staff_browser.text and "$10.00" in staff_browser.text
    assert "partner's own email" in staff_browser.text
    assert f'<a href="/console/partners/{pid}">Ada</a>' in staff_browser.text  # named, linked to its page
    # When staff approve one and reject the other (a rejection needs its reason)
    assert staff_browser.post(f"/console/review/{pid}/{waiting[2000]}/approve", {"reason": ""}).status == 303
    staff_browser.get("/console/review")
    assert staff_browser.post(f"/console/review/{pid}/{waiting[1000]}/reject", {"reason": ""}).status == 422
    assert "Write the reason the partner will read." in staff_browser.text
    rejected = staff_browser.post(f"/console/review/{pid}/{waiting[1000]}/reject", {"reason": "Self-purchase"})
    assert rejected.status == 303
    # Then the approved one follows the hold, the rejected one is voided with the reason, and the queue is empty
    entries = {e.commission_id: e for e in ctx.commissions.all_for_partner(pid)}
    assert entries[waiting[2000]].status.value == "pending"
    assert (entries[waiting[1000]].status.value, entries[waiting[1000]].note) == ("voided", "Self-purchase")
    staff_browser.get("/console/review")
    assert "Nothing waits for review." in staff_browser.text
    # And a second decision is refused by the same rule as the admin API's
    assert staff_browser.post(f"/console/review/{pid}/{waiting[2000]}/approve", {}).status == 409
    trail = [(e.actor, e.action) for e in audit.partner_trail(ctx, pid)]
    assert (STAFF, "commission.review_approved") in trail and (STAFF, "commission.review_rejected") in trail


def test_staff_grant_a_bonus_a_correction_and_a_non_cash_reward(
    staff: PageClient, ctx: AppContext, ada: Partner
) -> None:
    page = f"/console/partners/{ada.partner_id}"
    for fields in (
        {"amount": "50.00", "currency": "USD", "reason": "Launch bonus"},
        {"amount": "-12,50", "currency": "usd", "reason": "Correction of October"},
        {"amount": "0", "currency": "USD", "reason": "Top partner", "description": "A conference ticket"},
    ):
        staff.get(page)
        assert staff.post(f"{page}/adjustments", fields).status == 303
    # Then each is a ledger entry of its amount, made by the staff member, listed on the partner's page
    made = [(a["amount"]["amount"], a["note"], a["created_by"]) for a in commissions_of(ctx, ada)]
    assert made == [
        (5000, "Launch bonus", STAFF),
        (-1250, "Correction of October", STAFF),
        (0, "Top partner", STAFF),
    ]
    staff.get(page)
    assert "$50.00" in staff.text and "A conference ticket" in staff.text
    actions = [e.action for e in audit.partner_trail(ctx, ada.partner_id)]
    assert actions.count("commission.adjustment_granted") == 3


def commissions_of(ctx: AppContext, partner: Partner) -> list[dict[str, Any]]:
    from shared.commissions import adjustments

    return adjustments.partner_adjustments(ctx, partner.partner_id)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "12.345", "currency": "USD", "reason": "Bonus"}, "Write the amount"),
        ({"amount": "ten", "currency": "USD", "reason": "Bonus"}, "Write the amount"),
        ({"amount": "10", "currency": "DOLLARS", "reason": "Bonus"}, "Write the amount"),
        ({"amount": "10", "currency": "USD", "reason": ""}, "Write the reason"),
        ({"amount": "0", "currency": "USD", "reason": "Reward"}, "needs a description"),
    ],
)
def test_a_malformed_adjustment_is_refused_and_nothing_is_written(
    staff: PageClient, ctx: AppContext, ada: Partner, fields: dict[str, str], message: str
) -> None:
    staff.get(f"/console/partners/{ada.partner_id}")
    refused = staff.post(f"/console/partners/{ada.partner_id}/adjustments", fields)
    assert refused.status in (400, 422) and message in staff.text
    assert commissions_of(ctx, ada) == []


def test_minor_units_follow_the_currency() -> None:
    assert minor_units("50", "USD") == 5000
    assert minor_units("-0.01", "USD") == -1
    assert minor_units("1 234,50", "BRL") == 123450
    assert minor_units("500", "JPY") == 500
    for bad in ("1.5", "1e3", "", "--1"):
        with pytest.raises(ValueError):
            minor_units(bad, "JPY")


def test_staff_edit_the_payout_method(staff: PageClient, ctx: AppContext, ada: Partner) -> None:
    page = f"/console/partners/{ada.partner_id}"
    staff.get(page)
    assert staff.post(f"{page}/payout-method", {"kind": "paypal", "reference": "ada@paypal.example"}).status == 303
    assert ctx.partners.get(ada.partner_id).payout_method.reference == "ada@paypal.example"
    staff.get(page)
    assert staff.post(f"{page}/payout-method", {"kind": "stripe_connect", "reference": "not-an-account"}).status == 422
    staff.get(page)
    assert staff.post(f"{page}/payout-method", {"kind": "stripe_connect", "reference": "acct_123ABC"}).status == 303
    method = ctx.partners.get(ada.partner_id).payout_method
    assert (method.kind, method.stripe_account_id) == (PayoutMethodKind.STRIPE_CONNECT, "acct_123ABC")
    details = [
        e.detail for e in audit.partner_trail(ctx, ada.partner_id) if e.action == "partner.payout_method_changed"
    ]
    assert details == ["stripe_connect acct_123ABC", "paypal ada@paypal.example"]
