"""Promotion-code attribution: staff assign a Stripe promotion code (its `promo_...` id, or its code text) to
a partner; a Checkout session or invoice whose discount uses it binds the customer to that partner, after a
click token or an explicit `metadata.ref` (docs/commissions.md, attribution precedence)."""

from __future__ import annotations

from typing import Any

from shared.commissions.models import PromotionCodeAssignment, promotion_code_key
from shared.context import AppContext
from shared.core.errors import Conflict


def assign(ctx: AppContext, partner_id: str, code: str, assigned_by: str) -> tuple[bool, dict[str, Any]]:
    """(created, assignment): assign a code to an existing partner; assigning it again to the same partner
    changes nothing; a code of another partner is 409 `promotion_code_taken`."""
    ctx.partners.get(partner_id)  # 404 for an unknown partner
    wanted = PromotionCodeAssignment(
        program_id=ctx.program_id,
        code=promotion_code_key(code),
        partner_id=partner_id,
        assigned_by=assigned_by,
        assigned_at=ctx.clock.now(),
    )
    stored = ctx.commissions.assign_promotion_code(wanted)
    if stored.partner_id != partner_id:
        raise Conflict(f"promotion code {wanted.code!r} is assigned to another partner", code="promotion_code_taken")
    return stored is wanted, _shown(stored)


def partner_codes(ctx: AppContext, partner_id: str) -> list[dict[str, Any]]:
    """A partner's promotion codes, in code order."""
    return [_shown(a) for a in ctx.commissions.partner_promotion_codes(partner_id) if a.program_id == ctx.program_id]


def _shown(assignment: PromotionCodeAssignment) -> dict[str, Any]:
    return assignment.model_dump(mode="json", include={"code", "partner_id", "assigned_at"})
