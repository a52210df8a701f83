"""The pure rules of lead capture, without DynamoDB or HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.core import rate_limit
from shared.core.errors import BadRequest, Conflict, PayloadTooLarge
from shared.core.money import Money
from shared.leads import rules as lead_rules
from shared.leads.models import LEAD_TRANSITIONS, Lead, LeadOutcome, LeadStatus
from shared.leads.service import PartnerLeadInput, VisitorLeadForm
from shared.partners.models import Partner, PartnerStatus
from shared.programs.models import CommissionPlan, Program

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def a_program(**fields: object) -> Program:
    base = {
        "program_id": "default",
        "name": "Acme",
        "landing_url": "https://www.acme.example/",
        "fallback_url": "https://www.acme.example/partners",
        "thank_you_url": "https://www.acme.example/thanks?src=form",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Program.model_validate({**base, **fields})


def a_partner(**fields: object) -> Partner:
    base = {"partner_id": "ptr_ada", "program_id": "default", "name": "Ada", "email": "ada@partner.example"}
    return Partner.model_validate({**base, "created_at": NOW, "updated_at": NOW, **fields})


def a_lead(**fields: object) -> Lead:
    base = {"lead_id": "lead_1", "program_id": "default", "partner_id": "ptr_ada", "email_hash": "h"}
    return Lead.model_validate({**base, "created_at": NOW, "updated_at": NOW, **fields})


def a_plan(bounty: Money | None) -> CommissionPlan:
    return CommissionPlan(plan_id="p", program_id="default", name="P", lead_bounty=bounty, created_at=NOW)


# ---------------------------------------------------------------- lifecycle
@given(st.sampled_from(list(LeadStatus)), st.sampled_from(list(LeadStatus)))
def test_only_the_documented_transitions_pass(current: LeadStatus, target: LeadStatus) -> None:
    if target in LEAD_TRANSITIONS[current]:
        lead_rules.check_transition(current, target, "a reason")
    else:
        with pytest.raises(Conflict):
            lead_rules.check_transition(current, target, "a reason")


def test_final_states_have_no_way_out_and_rejection_needs_a_reason() -> None:
    assert LEAD_TRANSITIONS[LeadStatus.CONVERTED] == frozenset()
    assert LEAD_TRANSITIONS[LeadStatus.REJECTED] == frozenset()
    with pytest.raises(BadRequest, match="reason"):
        lead_rules.check_transition(LeadStatus.NEW, LeadStatus.REJECTED, "  ")


@given(st.lists(st.sampled_from(list(LeadStatus)), max_size=12))
def test_any_walk_through_the_lifecycle_earns_the_bounty_at_most_once(walk: list[LeadStatus]) -> None:
    status, bounties = LeadStatus.NEW, 0
    for target in walk:
        if target is status or target not in LEAD_TRANSITIONS[status]:
            continue
        bounties += lead_rules.earns_bounty_on(status, target)
        status = target
    assert bounties <= 1


# ---------------------------------------------------------------- self-referral
@pytest.mark.parametrize(
    ("email", "domain", "expected"),
    [
        ("ada@partner.example", None, True),
        ("bob@adaco.example", "adaco.example", True),
        ("bob@eu.adaco.example", "adaco.example", True),
        ("bob@notadaco.example", "adaco.example", False),
        ("bob@adaco.example.evil", "adaco.example", False),
        ("grace@prospect.example", "adaco.example", False),
    ],
)
def test_self_referral(email: str, domain: str | None, expected: bool) -> None:
    assert lead_rules.is_self_referral(email, a_partner(company_domain=domain)) is expected


# ---------------------------------------------------------------- the bounty
def test_the_bounty_is_the_plans_amount_pending_until_the_hold_ends() -> None:
    bounty = lead_rules.lead_bounty(a_lead(), a_partner(), a_plan(Money.of(5000, "EUR")), a_program(), NOW)
    assert bounty is not None
    assert (bounty.commission_id, bounty.rule, bounty.amount) == (
        "com_lead_lead_1",
        "lead_bounty",
        Money.of(5000, "EUR"),
    )
    assert bounty.available_at == NOW + timedelta(days=30) and bounty.source.lead_id == "lead_1"


@pytest.mark.parametrize(
    ("lead", "partner", "bounty"),
    [
        ({"outcome": LeadOutcome.SELF_REFERRAL}, {}, 5000),
        ({"outcome": LeadOutcome.EXISTING_CUSTOMER}, {}, 5000),
        ({"partner_id": None}, {}, 5000),
        ({}, {"status": PartnerStatus.TERMINATED}, 5000),
        ({}, {}, None),
        ({}, {}, 0),
    ],
)
def test_no_bounty_when_nothing_is_earned(
    lead: dict[str, object], partner: dict[str, object], bounty: int | None
) -> None:
    plan = a_plan(Money.of(bounty, "USD") if bounty is not None else None)
    assert lead_rules.lead_bounty(a_lead(**lead), a_partner(**partner), plan, a_program(), NOW) is None


# ---------------------------------------------------------------- CORS, bodies, masking
def test_cors_only_for_allowed_origins_defaulting_to_the_landing_page() -> None:
    program = a_program()
    assert lead_rules.cors_headers("https://www.acme.example", program)["Access-Control-Allow-Origin"]
    assert lead_rules.cors_headers("https://evil.example", program) == {}
    assert lead_rules.origin_allowed(None, program)
    configured = a_program(lead_form_origins=["https://try.acme.example/"])
    assert lead_rules.origin_allowed("https://try.acme.example", configured)
    assert not lead_rules.origin_allowed("https://www.acme.example", configured)
    assert not lead_rules.origin_allowed("null", configured)


def test_bodies_are_parsed_capped_and_typed() -> None:
    assert lead_rules.parse_lead_body("email=a%40b.example&email=x", "application/x-www-form-urlencoded") == {
        "email": "a@b.example"
    }
    assert lead_rules.parse_lead_body('{"email": "a@b.example"}', "application/json; charset=utf-8") == {
        "email": "a@b.example"
    }
    with pytest.raises(PayloadTooLarge):
        lead_rules.parse_lead_body("x" * (16 * 1024 + 1), "application/json")
    with pytest.raises(BadRequest) as refused:
        lead_rules.parse_lead_body("<x/>", "text/xml")
    assert refused.value.status == 415


def test_thank_you_location_keeps_the_pages_query() -> None:
    assert (
        lead_rules.thank_you_location(a_program(), "lead_1")
        == "https://www.acme.example/thanks?src=form&lead_id=lead_1"
    )


def test_masked_email_and_honeypot() -> None:
    assert lead_rules.mask_email("grace@prospect.example") == "g***@prospect.example"
    assert lead_rules.is_honeypot_filled({"website": " http://x "})
    assert not lead_rules.is_honeypot_filled({"website": "  "})


def test_form_models_treat_blank_as_absent_and_name_bad_fields() -> None:
    form = VisitorLeadForm.model_validate({"email": "a@b.example", "company": " ", "utm_source": "x"})
    assert form.company is None
    with pytest.raises(ValidationError) as invalid:
        PartnerLeadInput.model_validate({"email": "a@b.example", "partner_id": "other"})
    assert invalid.value.errors()[0]["loc"] == ("partner_id",)


# ---------------------------------------------------------------- rate-limit windows
@given(st.integers(min_value=0, max_value=4_000_000_000))
def test_a_window_holds_now_and_retry_after_reaches_its_end(epoch: int) -> None:
    now = datetime.fromtimestamp(epoch, UTC)
    window = rate_limit.window_at(now)
    assert 0 < window.ends_at - epoch <= 3600
    assert window.retry_after == max(1, window.ends_at - epoch)


def test_ip_hash_is_salted_and_never_the_ip() -> None:
    hashed = rate_limit.ip_hash("203.0.113.7", "secret")
    assert "203.0.113.7" not in hashed and hashed != rate_limit.ip_hash("203.0.113.7", "other-secret")


def test_the_click_token_comes_from_the_body_then_the_query_then_the_cookie() -> None:
    merged = lead_rules.with_attribution(
        {"email": "a@b.example", "click_id": "c1_body"}, {"click_token": "c1_q"}, "c1_c"
    )
    assert merged["click_token"] == "c1_body" and "click_id" not in merged
    assert lead_rules.with_attribution({}, {"click_id": "c1_q", "ref": "demo"}, "c1_c") == {
        "click_token": "c1_q",
        "ref": "demo",
    }
    assert lead_rules.with_attribution({"ref": "mine"}, {"ref": "other"}, "c1_c") == {
        "click_token": "c1_c",
        "ref": "mine",
    }
