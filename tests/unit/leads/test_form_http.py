"""The HTTP side of the public lead form and what the form accepts, without a request or DynamoDB."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.core.errors import BadRequest, PayloadTooLarge
from shared.leads import form_http
from shared.leads.forms import PartnerLeadInput, VisitorLeadForm
from tests.unit.leads.builders import a_program


# ---------------------------------------------------------------- CORS, bodies, the thank-you page
def test_cors_only_for_allowed_origins_defaulting_to_the_landing_page() -> None:
    program = a_program()
    assert form_http.cors_headers("https://www.acme.example", program)["Access-Control-Allow-Origin"]
    assert form_http.cors_headers("https://evil.example", program) == {}
    assert form_http.origin_allowed(None, program)
    configured = a_program(lead_form_origins=["https://try.acme.example/"])
    assert form_http.origin_allowed("https://try.acme.example", configured)
    assert not form_http.origin_allowed("https://www.acme.example", configured)
    assert not form_http.origin_allowed("null", configured)


def test_bodies_are_parsed_capped_and_typed() -> None:
    assert form_http.parse_lead_body("email=a%40b.example&email=x", "application/x-www-form-urlencoded") == {
        "email": "a@b.example"
    }
    assert form_http.parse_lead_body('{"email": "a@b.example"}', "application/json; charset=utf-8") == {
        "email": "a@b.example"
    }
    with pytest.raises(PayloadTooLarge):
        form_http.parse_lead_body("x" * (16 * 1024 + 1), "application/json")
    with pytest.raises(BadRequest) as refused:
        form_http.parse_lead_body("<x/>", "text/xml")
    assert refused.value.status == 415


def test_thank_you_location_keeps_the_pages_query() -> None:
    assert (
        form_http.thank_you_location(a_program(), "lead_1") == "https://www.acme.example/thanks?src=form&lead_id=lead_1"
    )


def test_only_a_filled_honeypot_is_a_bot() -> None:
    assert form_http.is_honeypot_filled({"website": " http://x "})
    assert not form_http.is_honeypot_filled({"website": "  "})


def test_form_models_treat_blank_as_absent_and_name_bad_fields() -> None:
    form = VisitorLeadForm.model_validate({"email": "a@b.example", "company": " ", "utm_source": "x"})
    assert form.company is None
    with pytest.raises(ValidationError) as invalid:
        PartnerLeadInput.model_validate({"email": "a@b.example", "partner_id": "other"})
    assert invalid.value.errors()[0]["loc"] == ("partner_id",)


# ---------------------------------------------------------------- attribution
def test_the_click_token_comes_from_the_body_then_the_query_then_the_cookie() -> None:
    merged = form_http.with_attribution(
        {"email": "a@b.example", "click_id": "c1_body"}, {"click_token": "c1_q"}, "c1_c"
    )
    assert merged["click_token"] == "c1_body" and "click_id" not in merged
    assert form_http.with_attribution({}, {"click_id": "c1_q", "ref": "demo"}, "c1_c") == {
        "click_token": "c1_q",
        "ref": "demo",
    }
    assert form_http.with_attribution({"ref": "mine"}, {"ref": "other"}, "c1_c") == {
        "click_token": "c1_c",
        "ref": "mine",
    }
