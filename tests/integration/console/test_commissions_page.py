"""Commissions from the console: filter, approve early, void with a reason (the commissions service's rules)."""

from __future__ import annotations

from shared.audit import service as audit
from shared.commissions.models import CommissionStatus
from shared.context import AppContext
from shared.leads import service as leads
from shared.leads.models import LeadStatus
from shared.partners.models import Partner
from tests.helpers.browser_client import PageClient

from .conftest import STAFF


def _bounty(ctx: AppContext, partner: Partner, email: str) -> str:
    """A qualified lead of the partner earns its plan's bounty: one pending commission; its id."""
    program = ctx.programs.get(ctx.program_id)
    lead_id = leads.submit_partner_lead(ctx, program, partner.partner_id, leads.PartnerLeadInput(email=email)).lead_id
    leads.change_status(ctx, lead_id, LeadStatus.QUALIFIED)
    (entry,) = [e for e in ctx.commissions.list_for_partner(partner.partner_id, limit=10, start_key=None)[0]]
    return entry.commission_id


def test_staff_approve_and_void_commissions(staff: PageClient, ctx: AppContext, ada: Partner, bob: Partner) -> None:
    ada_entry = _bounty(ctx, ada, "maria@acme.example")
    bob_entry = _bounty(ctx, bob, "john@globex.example")
    staff.get("/console/commissions", {"partner_id": ada.partner_id})
    assert ada_entry in staff.text and bob_entry not in staff.text and "$50.00" in staff.text
    # Approve Ada's early; void Bob's (a reason is needed)
    assert staff.post(f"/console/commissions/{ada.partner_id}/{ada_entry}/approve", {}).status == 303
    staff.get("/console/commissions")
    assert staff.post(f"/console/commissions/{bob.partner_id}/{bob_entry}/void", {"reason": ""}).status == 422
    assert staff.post(f"/console/commissions/{bob.partner_id}/{bob_entry}/void", {"reason": "Fraud"}).status == 303
    entries = {
        e.commission_id: e for e in ctx.commissions.list_for_program(ctx.program_id, limit=10, start_key=None)[0]
    }
    assert entries[ada_entry].status is CommissionStatus.APPROVED
    assert entries[bob_entry].status is CommissionStatus.VOIDED
    # A voided entry cannot be approved
    staff.get("/console/commissions")
    assert staff.post(f"/console/commissions/{bob.partner_id}/{bob_entry}/approve", {}).status == 409
    assert [(e.actor, e.action) for e in audit.partner_trail(ctx, bob.partner_id)] == [(STAFF, "commission.voided")]
