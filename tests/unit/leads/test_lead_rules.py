"""The pure rules of lead capture, without DynamoDB or HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core import rate_limit
from shared.core.errors import BadRequest, Conflict
from shared.core.money import Money
from shared.leads import rules as lead_rules
from shared.leads.models import LEAD_TRANSITIONS, LeadOutcome, LeadStatus
from shared.partners.models import PartnerStatus
from tests.unit.leads.builders import NOW, a_lead, a_partner, a_plan, a_program


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


# ---------------------------------------------------------------- masking
def test_a_masked_email_keeps_the_first_letter_and_the_domain() -> None:
    assert lead_rules.mask_email("grace@prospect.example") == "g***@prospect.example"


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
