"""The lead lifecycle and its bounty: new -> qualified -> converted, or rejected with a reason; conversion
by the Stripe webhook.

Leaving `new` for qualified/converted writes the plan's lead bounty in the same transaction as the status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.commissions import service as commissions
from shared.commissions.models import Commission
from shared.context import AppContext
from shared.core import keys
from shared.core.errors import Conflict
from shared.leads import rules as lead_rules
from shared.leads.models import Lead, LeadStatus
from shared.leads.store import StaleLead, lead_busy, write_attempts
from shared.partners.service import normalize_email
from shared.programs.service import plan_for_partner


def change_status(
    ctx: AppContext,
    lead_id: str,
    target: LeadStatus,
    reason: str | None = None,
    *,
    stripe_customer_id: str | None = None,
) -> Lead:
    """Move a lead through its lifecycle. Setting the status it has is a no-op; an illegal move is 409.

    Leaving `new` for qualified/converted writes the plan's lead bounty in the same transaction as the
    status, conditioned on the lead's version and on the entry not existing: exactly one bounty, however
    many times or how concurrently the status is set.
    """
    for _ in write_attempts():
        lead = ctx.leads.get_in_program(ctx.program_id, lead_id)
        if lead.status is target:
            return lead
        lead_rules.check_transition(lead.status, target, reason)
        now = ctx.clock.now()
        update: dict[str, Any] = {
            "status": target,
            "status_reason": reason.strip() if reason else None,
            "version": lead.version + 1,
            "updated_at": now,
        }
        if target is LeadStatus.QUALIFIED:
            update["qualified_at"] = now
        if target is LeadStatus.CONVERTED:
            update["converted_at"] = now
            update["stripe_customer_id"] = stripe_customer_id or lead.stripe_customer_id
        changed = lead.model_copy(update=update)
        bounty = _bounty(ctx, lead, now) if lead_rules.earns_bounty_on(lead.status, target) else None
        try:
            ledger = commissions.new_entry_actions(ctx, bounty) if bounty is not None else []
            ctx.leads.save(changed, expected_version=lead.version, ledger_actions=ledger, previous_status=lead.status)
        except StaleLead:
            continue  # another request moved the lead: read it again and decide afresh
        return changed
    raise lead_busy()


def _bounty(ctx: AppContext, lead: Lead, now: datetime) -> Commission | None:
    if not lead.earns or lead.partner_id is None:
        return None
    program = ctx.programs.get(ctx.program_id)
    partner = ctx.partners.find(lead.partner_id)
    return lead_rules.lead_bounty(lead, partner, plan_for_partner(ctx, program, partner), program, now)


def convert_lead_for_customer(ctx: AppContext, email: str, stripe_customer_id: str) -> Lead | None:
    """Mark the program's lead for this email converted (idempotent) and return it, so the Stripe webhook
    can attribute the customer to `lead.partner_id` when no click token says otherwise.

    None when there is no lead for the email or it was rejected (self-referral, existing customer, or by sales).
    """
    claim = ctx.leads.find_claim(ctx.program_id, keys.sha256_hex(normalize_email(email)))
    if claim is None:
        return None
    lead = ctx.leads.find(claim.lead_id)
    if lead is None or lead.status is LeadStatus.REJECTED:
        return None
    if lead.status is LeadStatus.CONVERTED:
        return lead
    try:
        converted = change_status(ctx, lead.lead_id, LeadStatus.CONVERTED, stripe_customer_id=stripe_customer_id)
    except Conflict as error:
        if error.code != "illegal_status_transition":
            raise  # the lead is busy: the webhook answers 500 and Stripe retries, attribution is not lost
        # Rejected meanwhile (a concurrent admin decision): it stays rejected and earns nothing.
        return None
    return converted if converted.status is LeadStatus.CONVERTED else None


def lead_for_email(ctx: AppContext, email: str, since: datetime) -> Lead | None:
    """The program's partner lead for this email submitted at or after `since` (the attribution window) and
    not rejected, or None: what a customer paying without Checkout is matched against (sales-led deals)."""
    claim = ctx.leads.find_claim(ctx.program_id, keys.sha256_hex(normalize_email(email)))
    if claim is None:
        return None
    lead = ctx.leads.find(claim.lead_id)
    if lead is None or lead.status is LeadStatus.REJECTED or lead.partner_id is None or lead.created_at < since:
        return None
    return lead
