"""POST /leads: the landing page's form, JSON and form-encoded, attribution, dedupe, spam, CORS."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.leads import intake
from shared.leads.forms import VisitorLeadForm
from shared.leads.models import Lead
from shared.links import click_token
from tests.helpers.api import ApiClient, ApiResponse
from tests.helpers.factories import click_token_for, given_link, given_partner, given_program

pytestmark = pytest.mark.integration

LANDING = "https://www.acme.example"


def post_form(api: ApiClient, fields: dict[str, str], **kwargs: Any) -> ApiResponse:
    """A plain HTML form post."""
    headers = {"content-type": "application/x-www-form-urlencoded", **kwargs.pop("headers", {})}
    return api.request("POST", "/leads", body=urlencode(fields), headers=headers, **kwargs)


def stored_leads(ctx: AppContext) -> list[Lead]:
    """Every lead of the program (the admin listing's query)."""
    return ctx.leads.list_page(ctx.program_id, status=None, partner_id=None, limit=100, cursor=None)[0]


# ---------------------------------------------------------------- valid posts
def test_a_json_post_creates_a_lead_and_answers_201_with_its_id(api: ApiClient, ctx: AppContext) -> None:
    # Given a program
    given_program(api)
    # When the landing page posts JSON
    response = api.post(
        "/leads",
        json={"email": " Grace@Prospect.Example ", "name": "Grace", "company": "Prospect", "consent_to_contact": True},
    )
    # Then a lead exists with the normalised email, status new, and no partner
    assert response.status == 201, response.body
    lead = ctx.leads.get(response.json["lead_id"])
    assert (lead.email, lead.status.value, lead.partner_id) == ("grace@prospect.example", "new", None)
    assert lead.email_hash == keys.sha256_hex("grace@prospect.example")
    assert lead.consent_to_contact is True


def test_a_form_post_redirects_303_to_the_thank_you_page(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    response = post_form(api, {"email": "grace@prospect.example", "name": "Grace", "consent_to_contact": "on"})
    assert response.status == 303, response.body
    location = response.headers["location"]
    assert location.startswith("https://www.acme.example/thanks?lead_id=lead_")
    lead = ctx.leads.get(location.split("lead_id=")[1])
    assert lead.email == "grace@prospect.example" and lead.consent_to_contact is True


def test_empty_optional_form_fields_are_absent_not_invalid(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    response = post_form(api, {"email": "grace@prospect.example", "phone": "", "company": "", "submit": "Send"})
    assert response.status == 303, response.body
    lead = ctx.leads.get(response.headers["location"].split("lead_id=")[1])
    assert lead.phone is None and lead.company is None


# ---------------------------------------------------------------- invalid input
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b.example", "name": "x" * 201}, "name"),
        ({"email": "a@b.example", "company": "x" * 201}, "company"),
        ({"email": "a@b.example", "job_title": "x" * 201}, "job_title"),
        ({"email": "a@b.example", "company_size": "x" * 51}, "company_size"),
        ({"email": "a@b.example", "phone": "call me maybe"}, "phone"),
        ({"email": "a@b.example", "message": "x" * 5001}, "message"),
        ({"email": "a@b.example", "consent_to_contact": "perhaps"}, "consent_to_contact"),
    ],
)
def test_every_invalid_field_is_a_422_naming_it(
    api: ApiClient, ctx: AppContext, body: dict[str, str], field: str
) -> None:
    given_program(api)
    for response in (api.post("/leads", json=body), post_form(api, body)):
        assert response.status == 422, response.body
        assert response.error_code == "validation_error"
        assert field in [f["field"] for f in response.json["error"]["details"]["fields"]]
    # And nothing was stored
    assert stored_leads(ctx) == []


@pytest.mark.parametrize("attribution", [{"click_token": "has spaces!"}, {"ref": "no/slashes"}, {"ref": "ab"}])
def test_garbled_attribution_never_refuses_the_visitors_form(
    api: ApiClient, ctx: AppContext, attribution: dict[str, str]
) -> None:
    # Given a landing URL or cookie that mangled the ref code or click token (the visitor cannot fix it)
    given_program(api)
    body = {"email": "pat@prospect.example", **attribution}
    # When the visitor posts the form (JSON and form-encoded)
    responses = [api.post("/leads", json=body), post_form(api, {**body, "email": "sam@prospect.example"})]
    # Then both leads are taken, unattributed
    assert [r.status for r in responses] == [201, 303]
    assert [lead.partner_id for lead in stored_leads(ctx)] == [None, None]


def test_malformed_json_oversized_bodies_and_other_media_types_are_4xx(api: ApiClient) -> None:
    given_program(api)
    malformed = api.request("POST", "/leads", body="{", headers={"content-type": "application/json"})
    assert (malformed.status, malformed.error_code) == (400, "malformed_json")
    not_object = api.post("/leads", json=["a@b.example"])
    assert (not_object.status, not_object.error_code) == (400, "malformed_json")
    huge = api.post("/leads", json={"email": "a@b.example", "message": "x" * 17_000})
    assert (huge.status, huge.error_code) == (413, "payload_too_large")
    xml = api.request("POST", "/leads", body="<lead/>", headers={"content-type": "application/xml"})
    assert (xml.status, xml.error_code) == (415, "unsupported_media_type")


# ---------------------------------------------------------------- attribution
def test_a_click_token_from_the_body_query_or_cookie_attributes_the_lead(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    given_program(api)
    ada = given_partner(api)
    given_link(api, ada["partner_id"], code="ada-link")
    token = click_token_for(ada["partner_id"], "ada-link", clock.now(), days_ago=3)
    responses = [
        api.post("/leads", json={"email": "one@prospect.example", "click_token": token}),
        api.post("/leads", json={"email": "two@prospect.example"}, query={"click_token": token}),
        api.post("/leads", json={"email": "three@prospect.example"}, headers={"cookie": f"rp_click={token}"}),
        # `click_id` is the name the redirect puts on the landing URL (README "Wiring the company's site")
        post_form(api, {"email": "four@prospect.example", "click_id": token}),
        api.post("/leads", json={"email": "five@prospect.example"}, query={"click_id": token}),
    ]
    for response in responses:
        lead_id = (
            response.headers["location"].split("lead_id=")[1] if response.status == 303 else response.json["lead_id"]
        )
        lead = ctx.leads.get(lead_id)
        assert (lead.partner_id, lead.attribution.value, lead.link_code) == (
            ada["partner_id"],
            "click_token",
            "ada-link",
        )
        assert lead.touched_at is not None and (clock.now() - lead.touched_at).days == 3


def test_a_ref_code_attributes_and_a_forged_token_is_ignored_not_refused(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    given_program(api)
    ada = given_partner(api)
    given_link(api, ada["partner_id"], code="ada-link")
    by_ref = api.post("/leads", json={"email": "one@prospect.example", "ref": "ada-link"})
    assert ctx.leads.get(by_ref.json["lead_id"]).attribution.value == "ref_code"
    forged = click_token.issue("another-secret", "ada-link", ada["partner_id"], int(clock.now().timestamp()))
    response = api.post("/leads", json={"email": "two@prospect.example", "click_token": forged})
    assert response.status == 201
    assert ctx.leads.get(response.json["lead_id"]).partner_id is None


# ---------------------------------------------------------------- dedupe
def test_a_repeat_submission_returns_the_same_lead_and_stores_no_second_item(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    first = api.post("/leads", json={"email": "grace@prospect.example"})
    again = api.post("/leads", json={"email": "GRACE@prospect.example ", "name": "Grace"})
    assert again.status == 201 and again.json["lead_id"] == first.json["lead_id"]
    assert len(stored_leads(ctx)) == 1


def test_two_concurrent_submissions_of_one_email_make_one_lead(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    # Given a program and a form submitted eight times at once
    given_program(api)
    program = ctx.programs.get(ctx.program_id)
    form = VisitorLeadForm(email="grace@prospect.example")
    with ThreadPoolExecutor(max_workers=8) as pool:
        submissions = list(pool.map(lambda _: intake.submit_visitor_lead(ctx, program, form), range(8)))
    # Then exactly one lead was created and every submission names it
    assert sum(s.created for s in submissions) == 1
    assert len({s.lead_id for s in submissions}) == 1
    assert len(stored_leads(ctx)) == 1


# ---------------------------------------------------------------- existing customer, self-referral
def test_an_email_of_a_paying_customer_is_recorded_as_existing_customer(api: ApiClient, ctx: AppContext) -> None:
    # Given the Stripe webhook marked this email as a paying customer
    given_program(api)
    ada = given_partner(api)
    given_link(api, ada["partner_id"], code="ada-link")
    email_hash = keys.sha256_hex("grace@prospect.example")
    ctx.table.put({**keys.customer_email(ctx.program_id, email_hash), "stripe_customer_id": "cus_1", "created_at": "x"})
    # When the form comes in through the partner's link
    response = api.post("/leads", json={"email": "grace@prospect.example", "ref": "ada-link"})
    # Then the answer is the same as for anyone (no customer list leaks) but the lead earns nothing
    assert response.status == 201
    lead = ctx.leads.get(response.json["lead_id"])
    assert (lead.outcome.value, lead.status.value) == ("existing_customer", "rejected")


def test_the_partners_own_email_or_company_domain_is_a_self_referral(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    ada = given_partner(api, email="ada@partner.example", company_domain="adaco.example")
    given_link(api, ada["partner_id"], code="ada-link")
    own = api.post("/leads", json={"email": "Ada@Partner.example", "ref": "ada-link"})
    colleague = api.post("/leads", json={"email": "bob@sales.adaco.example", "ref": "ada-link"})
    for response in (own, colleague):
        lead = ctx.leads.get(response.json["lead_id"])
        assert (lead.outcome.value, lead.status.value) == ("self_referral", "rejected")
        assert lead.status_reason and "self-referral" in lead.status_reason


# ---------------------------------------------------------------- spam
def test_a_filled_honeypot_looks_like_success_but_stores_nothing(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    json_post = api.post("/leads", json={"email": "bot@spam.example", "website": "http://spam.example"})
    form_post = post_form(api, {"email": "not even an email", "website": "x"})
    assert json_post.status == 201 and json_post.json["lead_id"].startswith("lead_")
    assert form_post.status == 303
    assert stored_leads(ctx) == []


def test_the_per_ip_rate_limit_answers_429_with_retry_after_then_resets(
    api: ApiClient, ctx: AppContext, clock: FixedClock
) -> None:
    # Given a program allowing 3 posts per IP per hour
    given_program(api, lead_rate_limit_per_ip=3)
    for n in range(3):
        assert api.post("/leads", json={"email": f"p{n}@prospect.example"}).status == 201
    # When the same IP posts a fourth time
    limited = api.post("/leads", json={"email": "p9@prospect.example"})
    # Then it is refused with a Retry-After, nothing stored, and the raw IP appears nowhere
    assert (limited.status, limited.error_code) == (429, "rate_limited")
    assert 0 < int(limited.headers["retry-after"]) <= 3600
    assert len(stored_leads(ctx)) == 3
    counters = ctx.table.client.scan(TableName=ctx.table.name)["Items"]
    assert "203.0.113.7" not in str(counters)
    assert any("expires_at" in item for item in counters if item["pk"]["S"].startswith("RATE#"))
    # And another IP is not affected, and the next window starts afresh
    assert api.post("/leads", json={"email": "q@prospect.example"}, source_ip="198.51.100.1").status == 201
    clock.advance(hours=1)
    assert api.post("/leads", json={"email": "p9@prospect.example"}).status == 201


# ---------------------------------------------------------------- CORS
def test_cors_is_granted_only_to_the_programs_allowed_origins(api: ApiClient) -> None:
    given_program(api, lead_form_origins=["https://www.acme.example", "https://try.acme.example"])
    preflight = api.request("OPTIONS", "/leads", headers={"origin": "https://try.acme.example"})
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == "https://try.acme.example"
    allowed = api.post("/leads", json={"email": "a@b.example"}, headers={"origin": LANDING})
    assert allowed.status == 201 and allowed.headers["access-control-allow-origin"] == LANDING
    invalid_from_allowed = api.post("/leads", json={}, headers={"origin": LANDING})
    assert invalid_from_allowed.status == 422
    assert invalid_from_allowed.headers["access-control-allow-origin"] == LANDING

    evil = "https://evil.example"
    refused_preflight = api.request("OPTIONS", "/leads", headers={"origin": evil})
    refused_post = api.post("/leads", json={"email": "a@b.example"}, headers={"origin": evil})
    for response in (refused_preflight, refused_post):
        assert (response.status, response.error_code) == (403, "origin_not_allowed")
        assert "access-control-allow-origin" not in response.headers


def test_without_configured_origins_the_landing_pages_origin_is_allowed(api: ApiClient) -> None:
    given_program(api)
    response = api.post("/leads", json={"email": "a@b.example"}, headers={"origin": LANDING})
    assert response.status == 201 and response.headers["access-control-allow-origin"] == LANDING


# ---------------------------------------------------------------- never a 500
BAD_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b'{"email": '),
    ("application/json", b"[1, 2]"),
    ("application/json", b'"hello"'),
    ("application/json", b"null"),
    ("application/json", json.dumps({"email": 7, "name": [], "consent_to_contact": {"x": 1}}).encode()),
    ("application/json", json.dumps({"email": "a@b.example", "phone": 5.5}).encode()),
    ("application/json", b"\xff\xfe\x00garbage"),
    ("application/x-www-form-urlencoded", b"%ZZ=%ZZ&&=="),
    ("application/x-www-form-urlencoded", b"\xff\xfe\x00garbage"),
    ("application/x-www-form-urlencoded", b"email=not-an-email&click_token=" + b"x" * 500),
    ("text/plain", b"email=a@b.example"),
    ("", b""),
]


@pytest.mark.parametrize(("content_type", "body"), BAD_BODIES)
def test_bad_bodies_get_an_actionable_4xx_json_error(
    api: ApiClient, ctx: AppContext, content_type: str, body: bytes
) -> None:
    given_program(api)
    headers = {"content-type": content_type} if content_type else {}
    response = api.request("POST", "/leads", body=body, headers=headers)
    assert 400 <= response.status < 500, response.body
    assert response.json["error"]["code"] and response.json["error"]["message"]
    assert stored_leads(ctx) == []


def test_without_a_program_the_form_is_a_404_not_a_500(api: ApiClient) -> None:
    response = api.post("/leads", json={"email": "a@b.example"})
    assert (response.status, response.error_code) == (404, "program_not_found")
