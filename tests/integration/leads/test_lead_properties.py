"""Properties of dedupe and attribution that must hold after any sequence of submissions (DynamoDB Local)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.leads import intake
from shared.leads.models import AttributionMethod, LeadDuplicate, LeadSource
from shared.leads.views import partner_view
from shared.partners import service as partners
from shared.programs import service as programs
from shared.programs.models import AttributionPolicy
from tests.helpers.api import ApiClient
from tests.helpers.factories import given_program

pytestmark = pytest.mark.integration

_emails = itertools.count()

# One step: who submits (a partner index, or None for an unattributed visitor) and how many days pass first.
steps = st.lists(st.tuples(st.sampled_from([0, 1, 2, None]), st.integers(min_value=0, max_value=60)), max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policy=st.sampled_from(list(AttributionPolicy)), sequence=steps)
def test_any_sequence_of_submissions_leaves_one_lead_and_one_record_per_partner(
    ctx: AppContext, clock: FixedClock, policy: AttributionPolicy, sequence: list[tuple[int | None, int]]
) -> None:
    # Given a program with this policy and three partners
    programs.save_program(
        ctx,
        programs.ProgramSettings(
            name="P",
            attribution_policy=policy,
            attribution_window_days=30,
            allowed_destination_domains=["acme.example"],
            landing_url="https://www.acme.example/",
            fallback_url="https://www.acme.example/",
        ),
    )
    program = ctx.programs.get(ctx.program_id)
    team = [_partner(ctx, n) for n in range(3)]
    email = f"prospect{next(_emails)}@prospect.example"
    # When the prospect is submitted by whoever, whenever
    submitters: set[str] = set()
    for who, days in [(0, 0), *sequence]:
        clock.advance(days=days)
        partner = ctx.partners.get(team[who]) if who is not None else None
        method = AttributionMethod.PARTNER_SUBMITTED if partner else AttributionMethod.NONE
        prospect = intake.Prospect.of(email, {"notes": f"by {who}"}, False, LeadSource.PARTNER_SUBMITTED)
        intake.submit_lead(ctx, program, prospect, intake.Claimant(partner, method, clock.now()))
        if partner:
            submitters.add(partner.partner_id)
    # Then there is one lead, its claim names it, and it belongs to one of the submitters
    claim = ctx.leads.find_claim(ctx.program_id, keys.sha256_hex(email))
    assert claim is not None
    lead = ctx.leads.get(claim.lead_id)
    assert lead.partner_id in submitters
    # And every submitter sees exactly one record of it: the lead itself, or its own duplicate record
    for partner_id in submitters:
        records, _ = ctx.leads.list_for_partner(partner_id, limit=100, cursor=None)
        mine = [r for r in records if r.lead_id == lead.lead_id]
        assert len(mine) == 1
        assert isinstance(mine[0], LeadDuplicate) is (partner_id != lead.partner_id)
        # And the notes it sees are its own
        view = partner_view(mine[0], partner_id)
        assert view.get("notes") == f"by {team.index(partner_id)}"


def _partner(ctx: AppContext, n: int) -> str:
    found = ctx.partners.find(f"ptr_prop{n}")
    if found is None:
        data = partners.PartnerInput(name=f"P{n}", email=f"p{n}@partner.example")
        partners.create_partner(ctx, data, partner_id=f"ptr_prop{n}")
    return f"ptr_prop{n}"


def test_concurrent_submissions_by_competing_partners_leave_one_lead_and_one_record_each(
    ctx: AppContext, clock: FixedClock
) -> None:
    # Given a program and three partners
    programs.save_program(
        ctx,
        programs.ProgramSettings(
            name="P",
            allowed_destination_domains=["acme.example"],
            landing_url="https://www.acme.example/",
            fallback_url="https://www.acme.example/",
        ),
    )
    program = ctx.programs.get(ctx.program_id)
    team = [ctx.partners.get(_partner(ctx, n)) for n in range(3)]

    # When the three partners and anonymous visitors submit one email twelve times at once
    def submit(n: int) -> intake.Submission:
        partner = team[n % 4] if n % 4 < 3 else None
        method = AttributionMethod.PARTNER_SUBMITTED if partner else AttributionMethod.NONE
        prospect = intake.Prospect.of("race@prospect.example", {}, False, LeadSource.PARTNER_SUBMITTED)
        return intake.submit_lead(ctx, program, prospect, intake.Claimant(partner, method, clock.now()))

    with ThreadPoolExecutor(max_workers=12) as pool:
        submissions = list(pool.map(submit, range(12)))
    # Then one lead was created, every answer names it, and each partner sees exactly one record of it
    assert sum(s.created for s in submissions) == 1
    assert len({s.lead_id for s in submissions}) == 1
    lead = ctx.leads.get(submissions[0].lead_id)
    assert lead.partner_id in {p.partner_id for p in team}
    for partner in team:
        records, _ = ctx.leads.list_for_partner(partner.partner_id, limit=100, cursor=None)
        assert len([r for r in records if r.lead_id == lead.lead_id]) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(["email", "name", "phone", "consent_to_contact", "click_token", "ref", "website", "x"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=300), st.lists(st.integers(), max_size=2)),
        max_size=6,
    )
)
def test_no_json_body_makes_the_form_answer_5xx(api: ApiClient, body: dict[str, object]) -> None:
    given_program(api, lead_rate_limit_per_ip=10_000)
    response = api.post("/leads", json=body)
    assert response.status in (201, 400, 422), response.body
    if response.status != 201:
        assert response.json["error"]["code"]
