"""No membership oracle: a partner cannot learn from any answer, list or page whether an email pays the company.
Staff see the real outcome; the partner sees a neutral "not eligible" once the lead is settled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.leads.views import NOT_ELIGIBLE_AFTER
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_api_key, given_partner, given_program, partner_headers

pytestmark = pytest.mark.integration

CUSTOMER = "grace@big-account.example"
STRANGER = "new@prospect.example"
ANSWER_FIELDS = ("status", "outcome", "status_reason", "source", "erased")


def partner_and_customer(api: ApiClient, ctx: AppContext) -> dict[str, str]:
    """A program with one paying customer, and partner Ada's key."""
    given_program(api)
    ctx.table.put({**keys.customer_email(ctx.program_id, keys.sha256_hex(CUSTOMER)), "x": "y"})
    partner = given_partner(api)
    return partner_headers(given_api_key(api, partner["partner_id"]))


def shape(view: dict[str, Any]) -> dict[str, Any]:
    return {k: view.get(k) for k in ANSWER_FIELDS}


def test_a_paying_customers_email_is_answered_like_any_accepted_lead(api: ApiClient, ctx: AppContext) -> None:
    ada = partner_and_customer(api, ctx)
    # When Ada submits a paying customer's email and a stranger's
    customer = api.post("/partner/leads", json={"email": CUSTOMER}, headers=ada)
    stranger = api.post("/partner/leads", json={"email": STRANGER}, headers=ada)
    # Then both answers are the same: status code, fields and values (only ids and emails differ)
    assert customer.status == stranger.status == 201
    assert shape(customer.json) == shape(stranger.json) == shape({**stranger.json, "outcome": "accepted"})
    assert sorted(customer.json) == sorted(stranger.json)
    # And so are her list and the lead's own page, and a repeat submission
    listed = {i["lead_id"]: shape(i) for i in api.get("/partner/leads", headers=ada).json["items"]}
    assert listed[customer.json["lead_id"]] == listed[stranger.json["lead_id"]]
    read = api.get(f"/partner/leads/{customer.json['lead_id']}", headers=ada).json
    assert shape(read) == shape(stranger.json)
    again = api.post("/partner/leads", json={"email": CUSTOMER}, headers=ada)
    assert (again.status, shape(again.json)) == (200, shape(stranger.json))
    # And staff see the real outcome
    staff = api.get(f"/admin/leads/{customer.json['lead_id']}", headers=ADMIN).json
    assert "existing_customer" in str(staff)


def test_once_settled_the_partner_sees_a_neutral_not_eligible(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    ada = partner_and_customer(api, ctx)
    lead_id = api.post("/partner/leads", json={"email": CUSTOMER}, headers=ada).json["lead_id"]
    # When the settling time has passed
    clock.advance(seconds=(NOT_ELIGIBLE_AFTER + timedelta(seconds=1)).total_seconds())
    read = api.get(f"/partner/leads/{lead_id}", headers=ada).json
    # Then the partner reads "not eligible", with no word about the company's customers
    assert (read["status"], read["outcome"], read["status_reason"]) == (
        "rejected",
        "not_eligible",
        "not eligible under the program's terms",
    )
    assert "customer" not in str(read).lower()
    listed = api.get("/partner/leads", headers=ada).json["items"]
    assert [i["outcome"] for i in listed] == ["not_eligible"]
