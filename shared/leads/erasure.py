"""Right to erasure: the prospect's personal fields leave the lead and its duplicate records, and its email
claim is deleted (a later submission starts a new lead); ids, status, outcome, dates and amounts stay.
"""

from __future__ import annotations

from datetime import datetime

from shared.context import AppContext
from shared.leads.models import DUPLICATE_PERSONAL_FIELDS, PERSONAL_FIELDS, Lead, LeadDuplicate
from shared.leads.store import StaleLead, lead_busy, write_attempts


def erase_lead(ctx: AppContext, lead_id: str) -> Lead:
    """Right to erasure: remove the prospect's personal fields from the lead, its claim and the duplicate
    records, keeping ids, status, outcome, dates and every ledger amount. Erasing twice is a no-op.
    """
    for _ in write_attempts():
        lead = ctx.leads.get_in_program(ctx.program_id, lead_id)
        now = ctx.clock.now()
        if lead.erased_at is not None:
            # Already erased: finish any duplicate record a crash left behind, then it is a no-op.
            ctx.leads.replace_duplicates(
                [_scrubbed(d, now) for d in ctx.leads.list_duplicates(lead.lead_id) if d.erased_at is None]
            )
            return lead
        scrubbed = lead.model_copy(
            update={
                **dict.fromkeys(PERSONAL_FIELDS),
                "consent_to_contact": False,
                "erased_at": now,
                "version": lead.version + 1,
                "updated_at": now,
            }
        )
        claim = ctx.leads.find_claim(ctx.program_id, lead.email_hash) if lead.email_hash else None
        if claim is not None and claim.lead_id != lead.lead_id:
            claim = None
        duplicates = [_scrubbed(d, now) for d in ctx.leads.list_duplicates(lead.lead_id)]
        try:
            ctx.leads.erase(scrubbed, expected_version=lead.version, claim=claim, duplicates=duplicates)
        except StaleLead:
            continue
        return scrubbed
    raise lead_busy()


def _scrubbed(duplicate: LeadDuplicate, now: datetime) -> LeadDuplicate:
    return duplicate.model_copy(
        update={**dict.fromkeys(DUPLICATE_PERSONAL_FIELDS), "erased_at": now, "updated_at": now}
    )
