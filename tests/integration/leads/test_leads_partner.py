"""Partner-submitted leads, first/last-touch outcomes between partners, and what each partner may see."""

from __future__ import annotations

from typing import Any

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from tests.helpers.api import ApiClient
from tests.helpers.factories import (
    ADMIN,
    click_token_for,
    given_api_key,
    given_link,
    given_partner,
    given_program,
    partner_headers,
)

pytestmark = pytest.mark.integration

PROSPECT = {"email": "grace@prospect.example", "name": "Grace", "company": "Prospect Inc", "notes": "budget Q1"}


def two_partners(api: ApiClient, **program: Any) -> tuple[dict[str, str], dict[str, str]]:
    """A program and partners Ada and Bob, each with an API key header and a link."""
    given_program(api, **program)
    result = []
    for name in ("ada", "bob"):
        partner = given_partner(api, email=f"{name}@partner.example")
        given_link(api, partner["partner_id"], code=f"{name}-link")
        result.append({"id": partner["partner_id"], **partner_headers(given_api_key(api, partner["partner_id"]))})
    return result[0], result[1]


def headers(partner: dict[str, str]) -> dict[str, str]:
    return {"Authorization": partner["Authorization"]}


# ---------------------------------------------------------------- submission
def test_a_partner_submits_a_lead_and_sees_it_with_its_status(api: ApiClient, ctx: AppContext) -> None:
    ada, _ = two_partners(api)
    created = api.post("/partner/leads", json=PROSPECT, headers=headers(ada))
    assert created.status == 201, created.body
    view = created.json
    assert (view["status"], view["outcome"], view["source"]) == ("new", "accepted", "partner_submitted")
    assert view["email"] == "g***@prospect.example" and view["notes"] == "budget Q1"
    lead = ctx.leads.get(view["lead_id"])
    assert (lead.partner_id, lead.attribution.value, lead.email) == (ada["id"], "partner_submitted", PROSPECT["email"])
    again = api.post("/partner/leads", json=PROSPECT, headers=headers(ada))
    assert again.status == 200 and again.json["lead_id"] == view["lead_id"]
    listed = api.get("/partner/leads", headers=headers(ada)).json["items"]
    assert [item["lead_id"] for item in listed] == [view["lead_id"]]


def test_a_rejection_reason_is_visible_to_the_partner(api: ApiClient) -> None:
    ada, _ = two_partners(api)
    lead_id = api.post("/partner/leads", json=PROSPECT, headers=headers(ada)).json["lead_id"]
    api.post(f"/admin/leads/{lead_id}/status", json={"status": "rejected", "reason": "too small"}, headers=ADMIN)
    view = api.get(f"/partner/leads/{lead_id}", headers=headers(ada)).json
    assert (view["status"], view["status_reason"]) == ("rejected", "too small")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "nope"}, "email"),
        ({"email": "a@b.example", "notes": "x" * 5001}, "notes"),
        ({"email": "a@b.example", "phone": "abc"}, "phone"),
        ({"email": "a@b.example", "partner_id": "someone-else"}, "partner_id"),
    ],
)
def test_invalid_partner_submissions_are_422_naming_the_field(api: ApiClient, body: dict[str, str], field: str) -> None:
    ada, _ = two_partners(api)
    response = api.post("/partner/leads", json=body, headers=headers(ada))
    assert response.status == 422, response.body
    assert field in [f["field"] for f in response.json["error"]["details"]["fields"]]


def test_the_per_partner_rate_limit(api: ApiClient) -> None:
    ada, bob = two_partners(api, lead_rate_limit_per_partner=2)
    for n in range(2):
        assert api.post("/partner/leads", json={"email": f"p{n}@x.example"}, headers=headers(ada)).status == 201
    limited = api.post("/partner/leads", json={"email": "p3@x.example"}, headers=headers(ada))
    assert (limited.status, limited.error_code) == (429, "rate_limited") and limited.headers["retry-after"]
    assert api.post("/partner/leads", json={"email": "p3@x.example"}, headers=headers(bob)).status == 201


def test_a_partner_submitting_its_own_company_is_flagged(api: ApiClient) -> None:
    ada, _ = two_partners(api)
    view = api.post("/partner/leads", json={"email": "ada@partner.example"}, headers=headers(ada)).json
    assert (view["outcome"], view["status"]) == ("self_referral", "rejected")


# ---------------------------------------------------------------- first and last touch
def test_first_touch_keeps_the_lead_with_the_first_partner_and_the_second_sees_duplicate(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    # Given Ada submitted the prospect
    ada, bob = two_partners(api)
    lead_id = api.post("/partner/leads", json=PROSPECT, headers=headers(ada)).json["lead_id"]
    # When Bob submits the same email a day later
    clock.advance(days=1)
    bob_view = api.post("/partner/leads", json={**PROSPECT, "notes": "mine!"}, headers=headers(bob))
    # Then Ada keeps the lead; Bob sees a duplicate outcome without Ada's identity or notes
    assert bob_view.status == 200
    assert (bob_view.json["outcome"], bob_view.json["status"]) == ("duplicate", "rejected")
    assert bob_view.json["status_reason"] == "already referred by another partner"
    assert ada["id"] not in bob_view.body.decode() and "budget" not in bob_view.body.decode()
    assert ctx.leads.get(lead_id).partner_id == ada["id"]
    bob_list = api.get("/partner/leads", headers=headers(bob)).json["items"]
    assert [(i["lead_id"], i["outcome"]) for i in bob_list] == [(lead_id, "duplicate")]
    ada_view = api.get(f"/partner/leads/{lead_id}", headers=headers(ada)).json
    assert ada_view["outcome"] == "accepted" and ada_view["notes"] == "budget Q1"
    # And staff see both partners, to settle a dispute
    admin_view = api.get(f"/admin/leads/{lead_id}", headers=ADMIN).json
    assert admin_view["partner_id"] == ada["id"]
    assert [(o["partner_id"], o["outcome"]) for o in admin_view["other_partners"]] == [(bob["id"], "duplicate")]


def test_first_touch_gives_way_once_the_attribution_window_has_passed(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    ada, bob = two_partners(api, attribution_window_days=30)
    lead_id = api.post("/partner/leads", json=PROSPECT, headers=headers(ada)).json["lead_id"]
    clock.advance(days=31)
    bob_view = api.post("/partner/leads", json=PROSPECT, headers=headers(bob)).json
    assert bob_view["outcome"] == "accepted" and ctx.leads.get(lead_id).partner_id == bob["id"]
    ada_view = api.get(f"/partner/leads/{lead_id}", headers=headers(ada)).json
    assert ada_view["outcome"] == "duplicate" and ada_view["status"] == "rejected"


def test_last_touch_moves_an_open_lead_to_the_newer_click(api: ApiClient, ctx: AppContext, clock: FixedClock) -> None:
    # Given a last-touch program and a lead from Ada's link
    ada, bob = two_partners(api, attribution_policy="last_touch")
    lead_id = api.post("/leads", json={"email": PROSPECT["email"], "ref": "ada-link"}).json["lead_id"]
    # When the prospect later clicks Bob's link and submits the form again
    clock.advance(days=2)
    token = click_token_for(bob["id"], "bob-link", clock.now())
    again = api.post("/leads", json={"email": PROSPECT["email"], "click_token": token})
    # Then the same lead now belongs to Bob, and Ada sees she was superseded
    assert again.json["lead_id"] == lead_id
    lead = ctx.leads.get(lead_id)
    assert (lead.partner_id, lead.attribution.value) == (bob["id"], "click_token")
    ada_list = api.get("/partner/leads", headers=headers(ada)).json["items"]
    assert [(i["lead_id"], i["outcome"], i["status"]) for i in ada_list] == [(lead_id, "duplicate", "rejected")]
    assert bob["id"] not in str(ada_list)
    bob_list = api.get("/partner/leads", headers=headers(bob)).json["items"]
    assert [(i["lead_id"], i["outcome"]) for i in bob_list] == [(lead_id, "accepted")]
    # And a visitor's form details are never shown to a partner (only a masked email)
    assert "name" not in bob_list[0] and bob_list[0]["email"] == "g***@prospect.example"


def test_last_touch_does_not_move_a_lead_already_qualified(api: ApiClient, ctx: AppContext) -> None:
    ada, bob = two_partners(api, attribution_policy="last_touch")
    lead_id = api.post("/partner/leads", json=PROSPECT, headers=headers(ada)).json["lead_id"]
    api.post(f"/admin/leads/{lead_id}/status", json={"status": "qualified"}, headers=ADMIN)
    bob_view = api.post("/partner/leads", json=PROSPECT, headers=headers(bob)).json
    assert bob_view["outcome"] == "duplicate" and ctx.leads.get(lead_id).partner_id == ada["id"]


# ---------------------------------------------------------------- isolation
def test_partner_a_cannot_read_or_change_partner_bs_leads(api: ApiClient, ctx: AppContext) -> None:
    ada, bob = two_partners(api)
    bob_lead = api.post("/partner/leads", json=PROSPECT, headers=headers(bob)).json["lead_id"]
    # Ada cannot read it, whatever she tries
    read = api.get(f"/partner/leads/{bob_lead}", headers=headers(ada))
    assert (read.status, read.error_code) == (404, "lead_not_found")
    assert api.get("/partner/leads", headers=headers(ada)).json["items"] == []
    assert api.get("/partner/leads", headers=headers(ada), query={"partner_id": bob["id"]}).json["items"] == []
    # Nor change it: partners have no status route, and the admin route refuses a partner key
    change = api.post(
        f"/admin/leads/{bob_lead}/status", json={"status": "rejected", "reason": "x"}, headers=headers(ada)
    )
    assert change.status == 401
    assert ctx.leads.get(bob_lead).status.value == "new" and ctx.leads.get(bob_lead).partner_id == bob["id"]


def test_erasure_also_scrubs_the_duplicate_records(api: ApiClient, ctx: AppContext) -> None:
    ada, bob = two_partners(api)
    lead_id = api.post("/partner/leads", json=PROSPECT, headers=headers(ada)).json["lead_id"]
    api.post("/partner/leads", json=PROSPECT, headers=headers(bob))
    assert api.post(f"/admin/leads/{lead_id}/erase", headers=ADMIN).status == 200
    for partner in (ada, bob):
        body = api.get(f"/partner/leads/{lead_id}", headers=headers(partner)).body.decode().lower()
        assert "grace" not in body and "g***" not in body and "prospect inc" not in body
    # And the prospect may be referred afresh: the dedupe claim was removed
    fresh = api.post("/partner/leads", json=PROSPECT, headers=headers(bob))
    assert fresh.status == 201 and fresh.json["lead_id"] != lead_id


def test_a_new_holder_never_sees_the_previous_partners_details(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    # Given Ada submitted the prospect with her notes, and her window lapsed
    ada, bob = two_partners(api, attribution_window_days=30)
    lead_id = api.post("/partner/leads", json=PROSPECT, headers=headers(ada)).json["lead_id"]
    clock.advance(days=31)
    # When Bob submits the same email with only his own notes
    bob_view = api.post(
        "/partner/leads", json={"email": PROSPECT["email"], "notes": "met at expo"}, headers=headers(bob)
    )
    # Then Bob sees his notes and nothing Ada wrote; Ada keeps hers on her own record
    assert bob_view.json["notes"] == "met at expo"
    assert "Grace" not in bob_view.body.decode() and "budget" not in bob_view.body.decode()
    ada_view = api.get(f"/partner/leads/{lead_id}", headers=headers(ada)).json
    assert (ada_view["outcome"], ada_view["notes"], ada_view["name"]) == ("duplicate", "budget Q1", "Grace")
    assert bob["id"] not in str(ada_view)


def test_a_paused_partner_cannot_submit_and_its_links_do_not_attribute(api: ApiClient, ctx: AppContext) -> None:
    ada, _ = two_partners(api)
    api.post(f"/admin/partners/{ada['id']}/status", json={"status": "paused"}, headers=ADMIN)
    refused = api.post("/partner/leads", json=PROSPECT, headers=headers(ada))
    assert (refused.status, refused.error_code) == (403, "partner_not_active")
    via_link = api.post("/leads", json={"email": "x@prospect.example", "ref": "ada-link"})
    assert ctx.leads.get(via_link.json["lead_id"]).partner_id is None


def test_the_losing_partner_is_told_why_without_naming_anyone(api: ApiClient, ctx: AppContext) -> None:
    # Given one prospect who already is a customer, and one whose enquiry sales already rejected
    ada, _ = two_partners(api)
    ctx.table.put({**keys.customer_email(ctx.program_id, keys.sha256_hex("cust@prospect.example")), "x": "y"})
    api.post("/leads", json={"email": "cust@prospect.example"})
    organic = api.post("/leads", json={"email": "org@prospect.example"}).json["lead_id"]
    api.post(f"/admin/leads/{organic}/status", json={"status": "rejected", "reason": "spam"}, headers=ADMIN)
    # When Ada submits both
    customer = api.post("/partner/leads", json={"email": "cust@prospect.example"}, headers=headers(ada)).json
    known = api.post("/partner/leads", json={"email": "org@prospect.example"}, headers=headers(ada)).json
    # Then she sees each partner-related reason, the customer's email answered like any accepted lead (no
    # membership oracle: tests/integration/leads/test_no_oracle.py), and neither lead became a commission
    assert (customer["outcome"], customer["status"]) == ("accepted", "new")
    assert "customer" not in str(customer)
    assert (known["outcome"], known["status_reason"]) == (
        "duplicate",
        "already known to the company (an earlier enquiry without a partner)",
    )
    assert ctx.leads.get(organic).partner_id is None


def test_an_inactive_holder_gives_way_to_an_active_partner(api: ApiClient, ctx: AppContext) -> None:
    ada, bob = two_partners(api)
    lead_id = api.post("/partner/leads", json=PROSPECT, headers=headers(ada)).json["lead_id"]
    api.post(f"/admin/partners/{ada['id']}/status", json={"status": "terminated"}, headers=ADMIN)
    bob_view = api.post("/partner/leads", json=PROSPECT, headers=headers(bob)).json
    assert bob_view["outcome"] == "accepted" and ctx.leads.get(lead_id).partner_id == bob["id"]


def test_a_partner_taking_over_a_visitor_lead_keeps_what_the_visitor_typed(api: ApiClient) -> None:
    # Given a visitor who filled the form without any referral
    ada, _ = two_partners(api)
    visitor = {"email": "pat@prospect.example", "name": "Pat Visitor", "company": "Prospect Inc"}
    lead_id = api.post("/leads", json=visitor).json["lead_id"]
    # When a partner then submits the same prospect with other details and notes
    mine = {"email": "pat@prospect.example", "name": "P.", "job_title": "CTO", "notes": "met at a meetup"}
    taken = api.post("/partner/leads", json=mine, headers=headers(ada))
    # Then the partner holds the lead, the visitor's own fields stand, and the partner's fill only the blanks
    assert taken.status in (200, 201) and taken.json["lead_id"] == lead_id
    stored = api.get(f"/admin/leads/{lead_id}", headers=ADMIN).json
    assert stored["partner_id"] == ada["id"]
    assert (stored["name"], stored["company"], stored["job_title"]) == ("Pat Visitor", "Prospect Inc", "CTO")
    # And the partner does not see what the visitor typed
    view = api.get(f"/partner/leads/{lead_id}", headers=headers(ada)).json
    assert "Pat Visitor" not in str(view) and "Prospect Inc" not in str(view)
