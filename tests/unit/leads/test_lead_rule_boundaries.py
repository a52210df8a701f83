"""The lead rules' boundaries and refusals, pinned one by one (the mutation run of `make mutation`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from shared.core.errors import BadRequest, Conflict
from shared.core.money import Money
from shared.leads import rules
from shared.leads.models import LeadStatus
from tests.unit.leads.builders import a_lead, a_partner, a_plan, a_program

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_an_illegal_move_and_a_rejection_without_reason_say_so() -> None:
    with pytest.raises(Conflict, match=re.escape("a converted lead cannot become new")) as illegal:
        rules.check_transition(LeadStatus.CONVERTED, LeadStatus.NEW, None)
    assert illegal.value.code == "illegal_status_transition"
    for reason in (None, "", "   "):
        with pytest.raises(
            BadRequest, match=re.escape("reason: a rejected lead needs a reason the partner can read")
        ) as missing:
            rules.check_transition(LeadStatus.NEW, LeadStatus.REJECTED, reason)
        assert missing.value.code == "reason_required"
    rules.check_transition(LeadStatus.NEW, LeadStatus.REJECTED, "duplicate")


@pytest.mark.parametrize(
    ("current", "target", "earns"),
    [
        (LeadStatus.NEW, LeadStatus.QUALIFIED, True),
        (LeadStatus.NEW, LeadStatus.CONVERTED, True),
        (LeadStatus.NEW, LeadStatus.REJECTED, False),
        (LeadStatus.QUALIFIED, LeadStatus.CONVERTED, False),
    ],
)
def test_the_bounty_is_earned_only_when_a_lead_leaves_new_for_qualified_or_converted(
    current: LeadStatus, target: LeadStatus, earns: bool
) -> None:
    assert rules.earns_bounty_on(current, target) is earns


def test_email_domains_and_company_domains_compare_without_case_or_trailing_dot() -> None:
    assert rules.email_domain("a.b@Mail.Example.COM. ") == "mail.example.com"
    assert rules.email_domain("a@b@c.example") == "c.example"  # the last @ separates the domain
    assert rules.email_domain(".x@.y.example") == ".y.example"  # a leading dot is kept
    partner = a_partner(company_domain=" Acme.Example. ")
    assert rules.is_self_referral("cfo@acme.example", partner)
    assert rules.is_self_referral("cfo@eu.acme.example", partner)
    assert not rules.is_self_referral("cfo@notacme.example", partner)
    assert not rules.is_self_referral("x@other.example", a_partner(company_domain=None))
    assert not rules.is_self_referral("x@", a_partner(company_domain=""))
    assert rules.is_self_referral("ada@partner.example", a_partner())


def test_a_one_cent_bounty_is_earned_and_a_zero_one_is_not() -> None:
    lead, partner, program = a_lead(), a_partner(), a_program()
    one = rules.lead_bounty(lead, partner, a_plan(Money.of(1, "USD")), program, NOW)
    assert one is not None and one.amount == Money.of(1, "USD")
    assert rules.lead_bounty(lead, partner, a_plan(Money.of(0, "USD")), program, NOW) is None
    assert rules.lead_bounty(lead, None, a_plan(Money.of(1, "USD")), program, NOW) is None
    assert rules.lead_bounty(lead, partner, None, program, NOW) is None


def test_masked_emails_keep_the_first_letter_and_the_domain() -> None:
    assert rules.mask_email("grace@bigco.example") == "g***@bigco.example"
    assert rules.mask_email("a@b@c.example") == "a***@b@c.example"
    assert rules.mask_email("no-at-sign") is None and rules.mask_email("") is None and rules.mask_email(None) is None
