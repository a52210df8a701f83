"""Staff attach a Stripe customer to a partner (or to a lead, whose partner it then is), with a reason and who
did it; the customer's parked invoices are then commissioned. Moving a customer that is already bound to
another partner is explicit (`reattribute`) and audited on the binding; after payments, its later sales wait
in review.
"""

from __future__ import annotations

import json
from typing import Any

from shared.commissions.models import AttributionSource, CustomerAttribution
from shared.commissions.store import LedgerWrite, WriteOutcome
from shared.context import AppContext
from shared.core.errors import BadRequest, Conflict, NotFound
from shared.core.observability import logger
from shared.leads.models import LeadStatus
from shared.partners import policy


def attribute_customer(
    ctx: AppContext,
    customer_id: str,
    *,
    partner_id: str | None,
    lead_id: str | None,
    reason: str,
    attributed_by: str,
    reattribute: bool = False,
) -> dict[str, Any]:
    """Bind `customer_id` to a partner (or a lead's partner) and apply its parked invoices: the binding and
    how many invoices were applied. 409 when it is bound to another partner and `reattribute` is not set."""
    if (partner_id is None) == (lead_id is None):
        raise BadRequest("give exactly one of partner_id or lead_id", code="partner_or_lead_required")
    if lead_id is not None:
        lead = ctx.leads.find(lead_id)
        if lead is None or lead.program_id != ctx.program_id or lead.partner_id is None:
            raise NotFound(f"lead {lead_id!r} does not exist or has no partner", code="lead_not_found")
        if lead.status is LeadStatus.REJECTED:
            raise Conflict(f"lead {lead_id!r} was rejected", code="lead_rejected")
        partner_id = lead.partner_id
    assert partner_id is not None
    partner = ctx.partners.get(partner_id)  # 404 for an unknown partner
    if not policy.new_attribution_allowed(partner.status):
        raise Conflict(f"a {partner.status.value} partner cannot be given customers", code="partner_not_active")
    program = ctx.programs.get(ctx.program_id)
    held = ctx.commissions.find_attribution(customer_id)
    if held is not None and held.partner_id != partner_id and not reattribute:
        raise Conflict(
            f"customer {customer_id!r} is attributed to {held.partner_id} ({held.paid_sales} paid sales); "
            'send "reattribute": true to move it',
            code="customer_already_attributed",
        )
    now = ctx.clock.now()
    binding = held
    if held is None or held.partner_id != partner_id:
        moved_after_payments = held is not None and held.paid_sales > 0
        base = held.model_dump() if held is not None else {}
        binding = CustomerAttribution.model_validate(
            {
                **base,
                "stripe_customer_id": customer_id,
                "partner_id": partner_id,
                "program_id": program.program_id,
                "source": AttributionSource.ADMIN,
                "link_code": None,
                "click_id": None,
                "lead_id": lead_id,
                "touched_at": now,
                "attributed_at": now,
                "attributed_by": attributed_by,
                "attribution_reason": reason.strip(),
                "previous_partner_id": held.partner_id if held is not None else None,
                "review_reason": (
                    f"re-attributed from {held.partner_id} after payments by {attributed_by}: {reason.strip()}"
                    if moved_after_payments and held is not None
                    else base.get("review_reason")
                ),
                "version": (held.version if held else 0) + 1,
            }
        )
        change = LedgerWrite(now, versioned=[(binding, held.version if held else 0)])
        if ctx.commissions.write(change) is not WriteOutcome.APPLIED:
            raise Conflict(f"customer {customer_id!r} changed meanwhile; try again", code="customer_changed")
        logger.info(
            "customer attributed by staff",
            extra={
                "customer_id": customer_id,
                "partner_id": partner_id,
                "previous_partner_id": binding.previous_partner_id,
                "attributed_by": attributed_by,
            },
        )
    # The Stripe event code (parsing, attribution, the lead lifecycle) only when a parked invoice waits: the
    # admin function does not load the webhook's modules at cold start for this rare staff action.
    from shared.commissions.webhook import handle_parked  # noqa: PLC0415

    applied = 0
    for parked in ctx.commissions.parked_sales(customer_id):
        if handle_parked(ctx, json.loads(parked.event_json)).result == "applied":
            applied += 1
    assert binding is not None
    return {"attribution": binding.model_dump(mode="json", exclude_none=True), "applied_invoices": applied}
