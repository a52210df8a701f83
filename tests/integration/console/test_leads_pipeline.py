"""The leads pipeline: filter by status and partner, move a lead with a reason, the bounty it would earn."""

from __future__ import annotations

from shared.audit import service as audit
from shared.context import AppContext
from shared.leads import service as leads
from shared.leads.models import LeadStatus
from shared.partners.models import Partner
from tests.helpers.browser_client import PageClient

from .conftest import STAFF


def _lead(ctx: AppContext, partner: Partner, email: str) -> str:
    program = ctx.programs.get(ctx.program_id)
    return leads.submit_partner_lead(ctx, program, partner.partner_id, leads.PartnerLeadInput(email=email)).lead_id


def test_staff_filter_leads_see_the_bounty_and_move_them_with_reasons(
    staff: PageClient, ctx: AppContext, ada: Partner, bob: Partner
) -> None:
    # Given a lead of Ada's and one of Bob's
    ada_lead = _lead(ctx, ada, "maria@acme.example")
    _lead(ctx, bob, "john@globex.example")
    # When staff filter by Ada
    staff.get("/console/leads", {"partner_id": ada.partner_id})
    assert "maria@acme.example" in staff.text and "john@globex.example" not in staff.text
    # Then they see the bounty her plan pays on qualification
    assert "$50.00" in staff.text
    # A rejection without a reason is refused on the page; with one it is kept and recorded
    assert staff.post(f"/console/leads/{ada_lead}/status", {"status": "rejected", "reason": ""}).status == 400
    done = staff.post(f"/console/leads/{ada_lead}/status", {"status": "rejected", "reason": "Already a customer"})
    assert done.status == 303
    lead = ctx.leads.get_in_program(ctx.program_id, ada_lead)
    assert lead.status is LeadStatus.REJECTED and lead.status_reason == "Already a customer"
    staff.get("/console/leads", {"status": "rejected"})
    assert "maria@acme.example" in staff.text and "Already a customer" in staff.text
    # A final status cannot move again
    assert staff.post(f"/console/leads/{ada_lead}/status", {"status": "qualified"}).status == 409
    trail = audit.partner_trail(ctx, ada.partner_id)
    assert [(e.actor, e.action) for e in trail] == [(STAFF, "lead.status_changed")]
