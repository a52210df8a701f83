"""How a lead is shown: to its partner (masked, only what that partner submitted) and to staff (everything,
with the other partners that submitted it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.context import AppContext
from shared.core.clock import to_iso
from shared.core.errors import NotFound
from shared.leads import rules as lead_rules
from shared.leads.models import PARTNER_DETAIL_FIELDS, Lead, LeadDuplicate, LeadOutcome, LeadStatus

NOT_ELIGIBLE = "not_eligible"
"""The outcome a partner sees for a lead whose email belongs to a paying customer, once the lead is settled."""
NOT_ELIGIBLE_REASON = "not eligible under the program's terms"
NOT_ELIGIBLE_AFTER = timedelta(days=14)
"""How long such a lead reads exactly like an accepted new lead to its partner: no answer, no list and no page
tells a partner at submission time who pays the company (docs/leads.md, "No membership oracle")."""


def _as_partner_sees(
    outcome: LeadOutcome, status: str, reason: str | None, created_at: datetime | None, now: datetime
) -> tuple[str, str, str | None]:
    # Staff see the real outcome; a partner sees "accepted, new", then a neutral "not eligible" (no word of
    # customers). Every other outcome concerns partners only and is shown as it is.
    if outcome is not LeadOutcome.EXISTING_CUSTOMER:
        return outcome.value, status, reason
    if created_at is not None and now - created_at < NOT_ELIGIBLE_AFTER:
        return LeadOutcome.ACCEPTED.value, LeadStatus.NEW.value, None
    return NOT_ELIGIBLE, LeadStatus.REJECTED.value, NOT_ELIGIBLE_REASON


def partner_view(record: Lead | LeadDuplicate, viewer: str, now: datetime | None = None) -> dict[str, Any]:
    """A partner's view of its own lead or duplicate record: status, reason and outcome, a masked email,
    and only the details the viewing partner itself submitted (never the visitor's form, never another
    partner's notes or identity, never whether the prospect already pays the company).
    """
    if isinstance(record, LeadDuplicate):
        view: dict[str, Any] = {"lead_id": record.lead_id, "email": record.email_masked}
        view.update({f: getattr(record, f) for f in PARTNER_DETAIL_FIELDS})
    else:
        view = {
            "lead_id": record.lead_id,
            "email": lead_rules.mask_email(record.email),
            "qualified_at": _iso(record.qualified_at),
            "converted_at": _iso(record.converted_at),
        }
        if record.submitted_by == viewer:
            view.update({f: getattr(record, f) for f in PARTNER_DETAIL_FIELDS})
    outcome, status, reason = _as_partner_sees(
        record.outcome, record.status.value, record.status_reason, record.created_at, now or datetime.now(UTC)
    )
    view.update(
        status=status,
        status_reason=reason,
        outcome=outcome,
        source=record.source.value,
        erased=record.erased_at is not None,
        created_at=_iso(record.created_at),
        updated_at=_iso(record.updated_at),
    )
    return {k: v for k, v in view.items() if v is not None}


def partner_lead(ctx: AppContext, partner_id: str, lead_id: str) -> dict[str, Any]:
    """One lead as its partner sees it; another partner's lead is NotFound (never Forbidden: no hint)."""
    lead = ctx.leads.find(lead_id)
    if lead is not None and lead.program_id == ctx.program_id and lead.partner_id == partner_id:
        return partner_view(lead, partner_id, ctx.clock.now())
    duplicate = ctx.leads.find_duplicate(lead_id, partner_id) if lead is not None else None
    if duplicate is not None:
        return partner_view(duplicate, partner_id, ctx.clock.now())
    raise NotFound(f"lead {lead_id!r} does not exist", code="lead_not_found")


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment else None


def admin_lead(ctx: AppContext, lead_id: str) -> tuple[Lead, list[LeadDuplicate]]:
    """A lead of this program as staff see it (every field) with the other partners that submitted it, or
    NotFound. Staff settle attribution disputes from this view.
    """
    lead = ctx.leads.get_in_program(ctx.program_id, lead_id)
    return lead, ctx.leads.list_duplicates(lead_id)
