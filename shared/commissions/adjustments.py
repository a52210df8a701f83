"""Manual adjustments: a one-off bonus, a correction (negative), or a non-cash reward (amount zero with a
description). Each is a ledger entry (rule `adjustment`) that follows the same hold, netting, payout and
statement rules as a commission, records who made it, and is listed to the partner.
"""

from __future__ import annotations

from typing import Any

from shared.commissions import rules
from shared.commissions.models import Commission, CommissionSource
from shared.commissions.service import view
from shared.commissions.store import ADJUSTMENT_ID_PREFIX, LedgerWrite, WriteOutcome
from shared.context import AppContext
from shared.core import keys
from shared.core.errors import BadRequest, Conflict
from shared.core.ids import new_id
from shared.core.money import Money

RULE_ADJUSTMENT = "adjustment"
LOCAL_ADMIN = "local-admin"


def staff_principal(request_context: dict[str, Any]) -> str:
    """Who made an admin request: the IAM principal API Gateway verified (AWS), else the local admin."""
    iam = (request_context.get("authorizer") or {}).get("iam") or {}
    return str(iam.get("userArn") or iam.get("userId") or LOCAL_ADMIN)


def create_adjustment(
    ctx: AppContext,
    partner_id: str,
    amount: Money,
    reason: str,
    *,
    description: str | None,
    created_by: str,
    fact_id: str | None = None,
) -> dict[str, Any]:
    """Write one adjustment for an existing partner, pending for the program's hold period. A zero amount (a
    non-cash reward) needs a description (400 `description_required`). A caller's `fact_id` (`adj_...`) makes it
    idempotent: the entry's id derives from it, so a second call writes nothing and answers the first entry."""
    description = (description or "").strip() or None
    if amount.amount == 0 and description is None:
        raise BadRequest(
            "description: a non-cash reward (amount 0) needs a description of what was given",
            code="description_required",
        )
    ctx.partners.get(partner_id)  # 404 for an unknown partner
    program = ctx.programs.get(ctx.program_id)
    now = ctx.clock.now()
    entry = Commission(
        commission_id=keys.sale_commission_id(fact_id or new_id(ADJUSTMENT_ID_PREFIX), RULE_ADJUSTMENT),
        partner_id=partner_id,
        program_id=program.program_id,
        amount=amount,
        rule=RULE_ADJUSTMENT,
        source=CommissionSource(),
        available_at=rules.payable_from(now, program.hold_period_days),
        note=reason.strip(),
        created_by=created_by,
        description=description,
        created_at=now,
        updated_at=now,
    )
    if ctx.commissions.write(LedgerWrite(now, new_entries=[entry])) is not WriteOutcome.APPLIED:
        if fact_id is not None:
            earlier, _ = ctx.commissions.with_reversals(partner_id, entry.commission_id)
            if earlier is not None:
                return view(earlier, now)
        raise Conflict("the adjustment could not be written; try again", code="adjustment_not_written")
    return view(entry, now)


def partner_adjustments(ctx: AppContext, partner_id: str) -> list[dict[str, Any]]:
    """A partner's adjustments as the partner and staff see them, oldest first."""
    now = ctx.clock.now()
    return [view(e, now) for e in ctx.commissions.adjustments(partner_id) if e.program_id == ctx.program_id]
