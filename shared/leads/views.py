"""How a lead is shown: to its partner (masked, only what that partner submitted) and to staff (everything,
with the other partners that submitted it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.context import AppContext
from shared.core.clock import to_iso
from shared.core.errors import NotFound
from shared.leads import rules as lead_rules
from shared.leads.models import PARTNER_DETAIL_FIELDS, Lead, LeadDuplicate


def partner_view(record: Lead | LeadDuplicate, viewer: str) -> dict[str, Any]:
    """A partner's view of its own lead or duplicate record: status, reason and outcome, a masked email,
    and only the details the viewing partner itself submitted (never the visitor's form, never another
    partner's notes or identity).
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
    view.update(
        status=record.status.value,
        status_reason=record.status_reason,
        outcome=record.outcome.value,
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
        return partner_view(lead, partner_id)
    duplicate = ctx.leads.find_duplicate(lead_id, partner_id) if lead is not None else None
    if duplicate is not None:
        return partner_view(duplicate, partner_id)
    raise NotFound(f"lead {lead_id!r} does not exist", code="lead_not_found")


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment else None


def admin_lead(ctx: AppContext, lead_id: str) -> tuple[Lead, list[LeadDuplicate]]:
    """A lead of this program as staff see it (every field) with the other partners that submitted it, or
    NotFound. Staff settle attribution disputes from this view.
    """
    lead = ctx.leads.get_in_program(ctx.program_id, lead_id)
    return lead, ctx.leads.list_duplicates(lead_id)
