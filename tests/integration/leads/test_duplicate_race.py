"""A losing partner's duplicate record and the lead it points to change in one transaction, on the lead's
version: an erasure or a takeover landing between the decision and the write never leaves a stale record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.leads import erasure, intake
from shared.leads.forms import PartnerLeadInput
from shared.leads.models import AttributionMethod, LeadDuplicate, LeadSource
from shared.partners import service as partners
from shared.partners.models import PartnerStatus
from tests.helpers.api import ApiClient
from tests.helpers.factories import given_partner, given_program

pytestmark = pytest.mark.integration

EMAIL = "grace@prospect.example"


def racing(monkeypatch: pytest.MonkeyPatch, concurrent: Callable[[], None]) -> None:
    """Run `concurrent` once, right after a submission read the lead and before it decides and writes."""
    original = intake.decide_owner
    pending = [concurrent]

    def decide_after_the_race(*args: Any, **kwargs: Any) -> Any:
        if pending:
            pending.pop()()
        return original(*args, **kwargs)

    monkeypatch.setattr(intake, "decide_owner", decide_after_the_race)


def ada_holds_the_lead(api: ApiClient, ctx: AppContext) -> tuple[str, str, str]:
    """Ada's lead for Grace (first touch), and Bob, another active partner: (lead id, Ada's id, Bob's id)."""
    given_program(api)
    ada = given_partner(api, email="ada@partner.example")["partner_id"]
    bob = given_partner(api, email="bob@partner.example")["partner_id"]
    program = ctx.programs.get(ctx.program_id)
    lead = intake.submit_partner_lead(ctx, program, ada, PartnerLeadInput(email=EMAIL, notes="Ada's notes"))
    return lead.lead_id, ada, bob


def test_an_erasure_between_the_decision_and_the_write_leaves_no_unscrubbed_record(
    api: ApiClient, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Ada's lead for Grace
    lead_id, _, bob = ada_holds_the_lead(api, ctx)
    # When Bob submits Grace with his notes while staff erase the lead in between
    racing(monkeypatch, lambda: erasure.erase_lead(ctx, lead_id))
    program = ctx.programs.get(ctx.program_id)
    answer = intake.submit_partner_lead(ctx, program, bob, PartnerLeadInput(email=EMAIL, notes="Bob's notes"))
    # Then the erased lead has no record with Bob's personal data: every record on it is scrubbed
    records = [r for r in ctx.leads.list_duplicates(lead_id) if isinstance(r, LeadDuplicate)]
    assert all(r.erased_at is not None and r.notes is None for r in records)
    assert ctx.leads.get(lead_id).erased_at is not None
    # And Bob's submission, decided again, is a new lead of his (the prospect was submitted after the erasure)
    assert answer.lead_id != lead_id and answer.created
    assert ctx.leads.get(answer.lead_id).partner_id == bob


def test_a_takeover_between_the_decision_and_the_write_leaves_no_contradicting_record(
    api: ApiClient, ctx: AppContext, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Ada's lead for Grace, and Bob about to lose to her
    lead_id, ada, bob = ada_holds_the_lead(api, ctx)
    program = ctx.programs.get(ctx.program_id)

    def ada_paused_and_bob_takes_over_through_a_click() -> None:
        partners.change_status(ctx, ada, PartnerStatus.PAUSED, "review")
        claimant = intake.Claimant(
            partner=ctx.partners.get(bob), method=AttributionMethod.CLICK_TOKEN, touched_at=clock.now()
        )
        prospect = intake.Prospect.of(EMAIL, {}, False, LeadSource.VISITOR_FORM)
        intake.submit_lead(ctx, program, prospect, claimant)

    # When Bob's own submission read the lead while Ada held it, and the takeover lands before its write
    racing(monkeypatch, ada_paused_and_bob_takes_over_through_a_click)
    answer = intake.submit_partner_lead(ctx, program, bob, PartnerLeadInput(email=EMAIL, notes="Bob's notes"))
    # Then Bob holds the lead, and has no "already referred by another partner" record contradicting it
    assert ctx.leads.get(lead_id).partner_id == bob
    assert ctx.leads.find_duplicate(lead_id, bob) is None
    assert (answer.lead_id, answer.outcome.value) == (lead_id, "accepted")
