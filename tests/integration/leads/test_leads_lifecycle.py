"""Lead lifecycle (admin), the lead bounty paid exactly once, conversion by the Stripe webhook, erasure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock, to_iso
from shared.core.errors import Conflict
from shared.leads import lifecycle
from shared.leads.models import LeadStatus
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_link, given_partner, given_plan, given_program

pytestmark = pytest.mark.integration

BOUNTY = {"amount": 5000, "currency": "USD"}


def given_referred_lead(api: ApiClient, email: str = "grace@prospect.example", **plan: Any) -> tuple[str, str]:
    """A program whose default plan pays a lead bounty, a partner with a link, and a lead through it."""
    given_plan(api, plan_id="leads", lead_bounty=BOUNTY, **plan)
    given_program(api, default_plan_id="leads")
    ada = given_partner(api)
    given_link(api, ada["partner_id"], code="ada-link")
    response = api.post("/leads", json={"email": email, "ref": "ada-link"})
    assert response.status == 201, response.body
    return str(response.json["lead_id"]), str(ada["partner_id"])


def ledger(ctx: AppContext, partner_id: str) -> list[dict[str, Any]]:
    """The partner's commission entries."""
    pk, prefix = keys.commissions_prefix(partner_id)
    return list(ctx.table.query_all("pk = :pk AND begins_with(sk, :p)", {":pk": pk, ":p": prefix}, consistent=True))


def set_status(api: ApiClient, lead_id: str, status: str, reason: str | None = None, method: str = "POST") -> Any:
    body = {"status": status, **({"reason": reason} if reason else {})}
    return api.request(method, f"/admin/leads/{lead_id}/status", json_body=body, headers=ADMIN)


# ---------------------------------------------------------------- lifecycle
def test_new_to_qualified_to_converted(api: ApiClient, ctx: AppContext) -> None:
    lead_id, _ = given_referred_lead(api)
    qualified = set_status(api, lead_id, "qualified")
    assert qualified.status == 200 and qualified.json["status"] == "qualified" and qualified.json["qualified_at"]
    converted = set_status(api, lead_id, "converted", method="PATCH")
    assert converted.status == 200 and converted.json["status"] == "converted"
    assert api.get(f"/admin/leads/{lead_id}", headers=ADMIN).json["status"] == "converted"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        (["rejected"], "qualified"),
        (["rejected"], "new"),
        (["qualified"], "new"),
        (["qualified", "converted"], "rejected"),
        (["qualified", "converted"], "qualified"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(
    api: ApiClient, ctx: AppContext, path: list[str], target: str
) -> None:
    lead_id, _ = given_referred_lead(api)
    for step in path:
        assert set_status(api, lead_id, step, reason="not a fit").status == 200
    before = ctx.leads.get(lead_id)
    response = set_status(api, lead_id, target, reason="try")
    assert (response.status, response.error_code) == (409, "illegal_status_transition")
    assert ctx.leads.get(lead_id) == before


def test_a_rejection_needs_a_reason_and_bad_input_names_the_field(api: ApiClient, ctx: AppContext) -> None:
    lead_id, _ = given_referred_lead(api)
    no_reason = set_status(api, lead_id, "rejected")
    assert (no_reason.status, no_reason.error_code) == (400, "reason_required")
    assert "reason" in no_reason.json["error"]["message"]
    bad_status = set_status(api, lead_id, "won")
    assert bad_status.status == 422 and bad_status.json["error"]["details"]["fields"][0]["field"] == "status"
    long_reason = set_status(api, lead_id, "rejected", reason="x" * 501)
    assert long_reason.status == 422 and long_reason.json["error"]["details"]["fields"][0]["field"] == "reason"
    unknown = set_status(api, "lead_nope", "qualified")
    assert (unknown.status, unknown.error_code) == (404, "lead_not_found")
    assert ctx.leads.get(lead_id).status is LeadStatus.NEW


def test_admin_lists_and_filters_leads_with_a_cursor(api: ApiClient, ctx: AppContext, clock: FixedClock) -> None:
    lead_id, partner_id = given_referred_lead(api)
    for n in range(4):
        clock.advance(seconds=1)
        api.post("/leads", json={"email": f"p{n}@prospect.example"})
    set_status(api, lead_id, "qualified")
    everything = api.get("/admin/leads", query={"limit": "3"}, headers=ADMIN).json
    rest = api.get("/admin/leads", query={"limit": "3", "cursor": everything["next_cursor"]}, headers=ADMIN).json
    assert len(everything["items"]) + len(rest["items"]) == 5 and rest["next_cursor"] is None
    qualified = api.get("/admin/leads", query={"status": "qualified"}, headers=ADMIN).json["items"]
    assert [item["lead_id"] for item in qualified] == [lead_id]
    by_partner = api.get("/admin/leads", query={"partner_id": partner_id}, headers=ADMIN).json["items"]
    assert [item["lead_id"] for item in by_partner] == [lead_id]
    bad = api.get("/admin/leads", query={"status": "won"}, headers=ADMIN)
    assert bad.status == 422 and bad.json["error"]["details"]["fields"][0]["field"] == "status"


# ---------------------------------------------------------------- the lead bounty
def test_qualifying_creates_the_plans_bounty_once(api: ApiClient, ctx: AppContext, clock: FixedClock) -> None:
    # Given a referred lead and a plan paying 50.00 USD per qualified lead
    lead_id, partner_id = given_referred_lead(api)
    # When sales qualifies it twice, then converts it
    set_status(api, lead_id, "qualified")
    set_status(api, lead_id, "qualified")
    set_status(api, lead_id, "converted")
    # Then the ledger holds one pending bounty, payable after the hold period
    entries = ledger(ctx, partner_id)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["commission_id"] == f"com_lead_{lead_id}" and entry["rule"] == "lead_bounty"
    assert entry["amount"] == BOUNTY and entry["status"] == "pending"
    assert entry["source"] == {"lead_id": lead_id}
    assert entry["available_at"] == to_iso(clock.now() + timedelta(days=30))
    assert entry["gsi2pk"].startswith("PAYABLE#")


def test_the_bounty_is_created_exactly_once_under_concurrent_qualification(api: ApiClient, ctx: AppContext) -> None:
    # Given a referred lead
    lead_id, partner_id = given_referred_lead(api)

    # When eight requests qualify it at once (a mix of qualify and convert)
    def qualify(n: int) -> str:
        target = LeadStatus.CONVERTED if n % 4 == 3 else LeadStatus.QUALIFIED
        try:
            return lifecycle.change_status(ctx, lead_id, target).status.value
        except Conflict as error:
            return error.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(qualify, range(8)))
    # Then every request ended in a legal state and the ledger holds one bounty
    assert set(outcomes) <= {"qualified", "converted", "illegal_status_transition"}
    assert len(ledger(ctx, partner_id)) == 1
    assert ctx.leads.get(lead_id).status in (LeadStatus.QUALIFIED, LeadStatus.CONVERTED)


def test_self_referral_and_existing_customer_leads_earn_nothing(api: ApiClient, ctx: AppContext) -> None:
    given_plan(api, plan_id="leads", lead_bounty=BOUNTY)
    given_program(api, default_plan_id="leads")
    ada = given_partner(api, email="ada@partner.example")
    given_link(api, ada["partner_id"], code="ada-link")
    own = api.post("/leads", json={"email": "ada@partner.example", "ref": "ada-link"}).json["lead_id"]
    response = set_status(api, own, "qualified")
    assert (response.status, response.error_code) == (409, "illegal_status_transition")
    assert ledger(ctx, ada["partner_id"]) == []


def test_an_unattributed_lead_or_a_plan_without_bounty_pays_nothing(api: ApiClient, ctx: AppContext) -> None:
    given_plan(api, plan_id="sales")
    given_program(api, default_plan_id="sales")
    ada = given_partner(api)
    given_link(api, ada["partner_id"], code="ada-link")
    referred = api.post("/leads", json={"email": "a@prospect.example", "ref": "ada-link"}).json["lead_id"]
    unattributed = api.post("/leads", json={"email": "b@prospect.example"}).json["lead_id"]
    for lead_id in (referred, unattributed):
        assert set_status(api, lead_id, "qualified").status == 200
    assert ledger(ctx, ada["partner_id"]) == []


# ---------------------------------------------------------------- conversion (the Stripe webhook's call)
def test_convert_lead_for_customer_marks_it_converted_once_and_returns_the_partner(
    api: ApiClient, ctx: AppContext
) -> None:
    lead_id, partner_id = given_referred_lead(api)
    set_status(api, lead_id, "qualified")
    first = lifecycle.convert_lead_for_customer(ctx, " GRACE@prospect.example", "cus_1")
    again = lifecycle.convert_lead_for_customer(ctx, "grace@prospect.example", "cus_1")
    assert first is not None and again is not None
    assert (first.lead_id, first.partner_id, first.status) == (lead_id, partner_id, LeadStatus.CONVERTED)
    assert again.version == first.version and again.stripe_customer_id == "cus_1"
    assert len(ledger(ctx, partner_id)) == 1  # the bounty of the qualification, not a second one
    assert lifecycle.convert_lead_for_customer(ctx, "nobody@prospect.example", "cus_2") is None


def test_a_rejected_lead_stays_rejected_when_its_email_buys(api: ApiClient, ctx: AppContext) -> None:
    lead_id, _ = given_referred_lead(api)
    set_status(api, lead_id, "rejected", reason="student, not a business")
    assert lifecycle.convert_lead_for_customer(ctx, "grace@prospect.example", "cus_1") is None
    assert ctx.leads.get(lead_id).status is LeadStatus.REJECTED


# ---------------------------------------------------------------- erasure
def test_erasure_removes_personal_data_and_keeps_ids_status_and_ledger(api: ApiClient, ctx: AppContext) -> None:
    # Given a qualified lead with a bounty in the ledger
    lead_id, partner_id = given_referred_lead(api)
    api.post("/leads", json={"email": "grace@prospect.example", "name": "Grace Hopper", "phone": "+1 555 0100"})
    set_status(api, lead_id, "qualified")
    # When the prospect asks to be forgotten
    response = api.post(f"/admin/leads/{lead_id}/erase", headers=ADMIN)
    # Then no personal field remains on the lead, and its claim is gone
    assert response.status == 200, response.body
    item = ctx.table.get(keys.lead(lead_id), consistent=True)
    assert item is not None
    for field in ("email", "email_hash", "name", "company", "phone", "message", "notes"):
        assert field not in item
    assert "grace" not in str(item).lower()
    assert (item["lead_id"], item["status"], item["partner_id"]) == (lead_id, "qualified", partner_id)
    assert item["erased_at"]
    assert ctx.table.get(keys.lead_email_claim(ctx.program_id, keys.sha256_hex("grace@prospect.example"))) is None
    # And the ledger keeps its amount
    assert [e["amount"] for e in ledger(ctx, partner_id)] == [BOUNTY]
    # And erasing twice is harmless
    assert api.post(f"/admin/leads/{lead_id}/erase", headers=ADMIN).status == 200
