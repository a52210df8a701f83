"""docs/status-policy.md, the cells this slice answers, through the real routes on DynamoDB Local: the redirect,
the lead form's ref and click token, partner leads, partner API keys and key issuance, portal sessions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from functions.redirect import app as redirect_app
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.links.click_store import ClickRepository
from shared.links.redirect import Redirector
from tests.conftest import TEST_ENV
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

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
FALLBACK = "https://www.acme.example/partners"
DESTINATION = "https://www.acme.example/pricing"
PARTNER_STATUSES = ("pending", "active", "paused", "terminated")
LINK_STATES = ("active", "paused", "expired")
# How a partner reaches each status from a new partner (the allowed transitions).
ROUTE_TO = {
    "pending": [],
    "active": ["active"],
    "paused": ["active", "paused"],
    "terminated": ["terminated"],
}


@pytest.fixture
def redirector(ctx: AppContext, clock: FixedClock) -> Iterator[Redirector]:
    """The redirect function on this test's table and clock, as a fresh container."""
    instance = Redirector(
        ClickRepository(ctx.table),
        "default",
        lambda: TEST_ENV["CLICK_TOKEN_SECRET"],
        clock=lambda: clock.now().timestamp(),
    )
    redirect_app.set_redirector(instance)
    yield instance
    redirect_app.set_redirector(None)


def partner_in(api: ApiClient, status: str, *, email: str = "ada@partner.example") -> dict[str, Any]:
    """A partner created pending, then moved to `status` through the admin route; its link `ada-link`."""
    partner = given_partner(api, email=email, status="pending")
    link = given_link(
        api, partner["partner_id"], code=email.split("@", maxsplit=1)[0] + "-link", destination=DESTINATION
    )
    for step in ROUTE_TO[status]:
        moved = api.post(f"/admin/partners/{partner['partner_id']}/status", json={"status": step}, headers=ADMIN)
        assert moved.status == 200, moved.body
    return {**partner, "code": link["code"]}


def set_link(api: ApiClient, code: str, state: str) -> None:
    if state != "active":
        response = api.request("PATCH", f"/admin/links/{code}", json_body={"status": state}, headers=ADMIN)
        assert response.status == 200, response.body


@pytest.mark.parametrize("partner_status", PARTNER_STATUSES)
@pytest.mark.parametrize("link_state", LINK_STATES)
def test_the_redirect_tracks_only_an_active_link_of_an_active_partner(
    api: ApiClient, redirector: Redirector, ctx: AppContext, partner_status: str, link_state: str
) -> None:
    # Given a program with a fallback, a partner in `partner_status` and its link in `link_state`
    given_program(api, fallback_url=FALLBACK)
    partner = partner_in(api, partner_status)
    set_link(api, partner["code"], link_state)
    # When a visitor's browser follows the link
    response = api.get(f"/r/{partner['code']}", headers={"user-agent": BROWSER}, source_ip="198.51.100.7")
    counted = ClickRepository(ctx.table).daily_counts(partner["code"], "2000-01-01", "2100-01-01")
    location = response.headers["location"]
    # Then only an active link of an active partner reaches the destination with a click token and counts
    assert response.status == 302
    if partner_status == "active" and link_state == "active":
        assert location.startswith(DESTINATION) and "click_id" in parse_qs(urlsplit(location).query)
        assert sum(day.clicks for day in counted.values()) == 1
    else:
        assert location == FALLBACK  # no ref, no click token
        assert counted == {}


def test_a_partner_status_change_reaches_its_links_in_the_redirect(
    api: ApiClient, redirector: Redirector, ctx: AppContext
) -> None:
    # Given an active partner whose link is tracked in a warm container
    given_program(api, fallback_url=FALLBACK)
    partner = partner_in(api, "active")
    assert api.get("/r/ada-link", headers={"user-agent": BROWSER}).headers["location"].startswith(DESTINATION)
    # When staff pause the partner, and the container's cache ends (CACHE_SECONDS)
    api.post(f"/admin/partners/{partner['partner_id']}/status", json={"status": "paused"}, headers=ADMIN)
    redirector.links.clear()
    # Then its link goes to the fallback; resumed, it tracks again
    assert api.get("/r/ada-link", headers={"user-agent": BROWSER}).headers["location"] == FALLBACK
    api.post(f"/admin/partners/{partner['partner_id']}/status", json={"status": "active"}, headers=ADMIN)
    redirector.links.clear()
    assert api.get("/r/ada-link", headers={"user-agent": BROWSER}).headers["location"].startswith(DESTINATION)
    # And the copy is on the stored link, not in any response
    assert (ctx.table.get(keys.referral_link("ada-link")) or {})["partner_status"] == "active"
    assert "partner_status" not in api.get("/admin/links/ada-link", headers=ADMIN).json


@pytest.mark.parametrize("partner_status", PARTNER_STATUSES)
@pytest.mark.parametrize("link_state", LINK_STATES)
def test_the_lead_form_attributes_a_ref_only_through_an_active_link_of_an_active_partner(
    api: ApiClient, ctx: AppContext, partner_status: str, link_state: str
) -> None:
    # Given a partner in `partner_status` and its link in `link_state`
    given_program(api)
    partner = partner_in(api, partner_status)
    set_link(api, partner["code"], link_state)
    # When a visitor sends the landing page's form with the link's ref
    lead = api.post("/leads", json={"email": "grace@prospect.example", "ref": partner["code"]})
    # Then the lead is always kept, and is the partner's only for active x active
    assert lead.status in (200, 201), lead.body
    owner = ctx.leads.get(lead.json["lead_id"]).partner_id
    assert owner == (partner["partner_id"] if (partner_status, link_state) == ("active", "active") else None)


@pytest.mark.parametrize("partner_status", PARTNER_STATUSES)
@pytest.mark.parametrize("link_state", LINK_STATES)
def test_a_click_token_attributes_unless_its_link_is_paused_or_its_partner_not_active(
    api: ApiClient, ctx: AppContext, clock: FixedClock, partner_status: str, link_state: str
) -> None:
    # Given a click token signed while the link was live, then the partner and link changed
    given_program(api)
    partner = partner_in(api, partner_status)
    token = click_token_for(partner["partner_id"], partner["code"], clock.now(), days_ago=1)
    set_link(api, partner["code"], link_state)
    # When the visitor's form carries it
    lead = api.post("/leads", json={"email": "grace@prospect.example", "click_token": token})
    # Then it attributes for an active partner unless the link was paused
    assert lead.status in (200, 201), lead.body
    owner = ctx.leads.get(lead.json["lead_id"]).partner_id
    expected = partner["partner_id"] if partner_status == "active" and link_state != "paused" else None
    assert owner == expected


@pytest.mark.parametrize(
    ("partner_status", "profile", "lead"),
    [
        ("pending", 200, 403),
        ("active", 200, 201),
        ("paused", 200, 403),
        ("terminated", 401, 401),
    ],
)
def test_a_partner_key_reads_and_submits_as_its_status_allows(
    api: ApiClient, partner_status: str, profile: int, lead: int
) -> None:
    # Given a partner with a key issued while it could have one, then moved to `partner_status`
    given_program(api)
    partner = given_partner(api, status="pending")
    key = partner_headers(given_api_key(api, partner["partner_id"]))
    for step in ROUTE_TO[partner_status]:
        api.post(f"/admin/partners/{partner['partner_id']}/status", json={"status": step}, headers=ADMIN)
    # When it reads its profile and submits a lead
    read = api.get("/partner/me", headers=key)
    submitted = api.post("/partner/leads", json={"email": "grace@prospect.example"}, headers=key)
    # Then the answers are the table's
    assert read.status == profile, read.body
    assert submitted.status == lead, submitted.body
    if lead == 403:
        assert submitted.error_code == "partner_not_active"


@pytest.mark.parametrize("partner_status", PARTNER_STATUSES)
def test_no_key_can_be_issued_to_a_terminated_partner(api: ApiClient, partner_status: str) -> None:
    given_program(api)
    partner = given_partner(api, status="pending")
    for step in ROUTE_TO[partner_status]:
        api.post(f"/admin/partners/{partner['partner_id']}/status", json={"status": step}, headers=ADMIN)
    issued = api.post(f"/admin/partners/{partner['partner_id']}/api-keys", json={"label": "x"}, headers=ADMIN)
    if partner_status == "terminated":
        assert (issued.status, issued.error_code) == (409, "partner_terminated")
    else:
        assert issued.status == 201
