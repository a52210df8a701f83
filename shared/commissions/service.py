"""Reading and steering the ledger: listings with effective status, balances per currency, and the admin's
two levers (approve early, void with a reason). Voiding a paid entry is refused (409): money already paid is
taken back only by a reversal (a refund or a lost dispute), never by rewriting history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from shared.commissions.models import Commission, CommissionStatus
from shared.context import AppContext
from shared.core.dynamo import TransactionCancelled
from shared.core.errors import Conflict, NotFound
from shared.core.pagination import decode_cursor, encode_cursor

PARTNER_CURSOR_KEYS = {"pk", "sk"}
PROGRAM_CURSOR_KEYS = {"pk", "sk", "gsi1pk", "gsi1sk"}


def effective_status(entry: Commission, now: datetime) -> CommissionStatus:
    """What a person should read: a pending entry whose hold period is over is approved (payable)."""
    if entry.status is CommissionStatus.PENDING and entry.available_at <= now:
        return CommissionStatus.APPROVED
    return entry.status


def view(entry: Commission, now: datetime) -> dict[str, Any]:
    """An entry as the APIs show it: its stored fields plus the effective status."""
    shown = entry.model_dump(mode="json", exclude_none=True)
    shown["stored_status"] = shown.pop("status")
    shown["status"] = effective_status(entry, now).value
    return shown


def list_page(
    ctx: AppContext,
    *,
    partner_id: str | None,
    status: CommissionStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of entries (one partner's, or the program's), filtered by effective status on the page."""
    if partner_id:
        start = decode_cursor(cursor, expected_keys=PARTNER_CURSOR_KEYS)
        entries, last = ctx.commissions.list_for_partner(partner_id, limit=limit, start_key=start)
    else:
        start = decode_cursor(cursor, expected_keys=PROGRAM_CURSOR_KEYS)
        entries, last = ctx.commissions.list_for_program(ctx.program_id, limit=limit, start_key=start)
    now = ctx.clock.now()
    shown = [view(e, now) for e in entries if e.program_id == ctx.program_id]
    if status is not None:
        shown = [v for v in shown if v["status"] == status.value]
    return shown, encode_cursor(last)


def balances(ctx: AppContext, partner_id: str) -> dict[str, dict[str, int]]:
    """Per currency, in minor units: pending (in hold), approved (payable now), held (disputed), paid, and
    unpaid (pending + approved: what the next payouts owe, negative when reversals exceed earnings)."""
    now = ctx.clock.now()
    result: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("pending", "approved", "held", "paid", "unpaid"), 0)
    )
    for entry in ctx.commissions.all_for_partner(partner_id):
        if entry.status is CommissionStatus.VOIDED or entry.program_id != ctx.program_id:
            continue
        totals = result[entry.amount.currency]
        status = effective_status(entry, now)
        if entry.payout_id is not None or status is CommissionStatus.PAID:
            totals["paid"] += entry.amount.amount
        elif status in (CommissionStatus.PENDING, CommissionStatus.APPROVED):
            totals[status.value] += entry.amount.amount
            totals["unpaid"] += entry.amount.amount
        elif status is CommissionStatus.HELD:
            totals["held"] += entry.amount.amount
    return dict(result)


def _entry(ctx: AppContext, partner_id: str, commission_id: str) -> Commission:
    entry = ctx.commissions.get(partner_id, commission_id)
    if entry.program_id != ctx.program_id:
        raise NotFound(f"commission {commission_id!r} does not exist", code="commission_not_found")
    return entry


def read(ctx: AppContext, partner_id: str, commission_id: str) -> dict[str, Any]:
    """One entry as shown to the admin, with its reversals."""
    entry = _entry(ctx, partner_id, commission_id)
    now = ctx.clock.now()
    reversals = [view(e, now) for e in ctx.commissions.all_for_partner(partner_id) if e.reverses == commission_id]
    return {**view(entry, now), "reversals": reversals}


def approve_early(ctx: AppContext, partner_id: str, commission_id: str) -> dict[str, Any]:
    """End the hold period now: the entry becomes payable in the next payout run."""
    entry = _entry(ctx, partner_id, commission_id)
    if entry.payout_id is not None or entry.status not in (CommissionStatus.PENDING, CommissionStatus.APPROVED):
        raise Conflict(
            f"commission {commission_id!r} is {entry.status.value}; only an unpaid pending entry can be approved",
            code="commission_not_pending",
        )
    now = ctx.clock.now()
    approved = entry.model_copy(update={"status": CommissionStatus.APPROVED, "available_at": now, "updated_at": now})
    ctx.commissions.save_entry_state(approved, entry.status)
    return view(approved, now)


def void(ctx: AppContext, partner_id: str, commission_id: str, reason: str) -> dict[str, Any]:
    """Void an unpaid entry (it leaves the payable index) together with its unpaid reversals, in one
    transaction. A paid entry, or one whose reversal was paid, is refused with 409."""
    entry = _entry(ctx, partner_id, commission_id)
    if entry.status is CommissionStatus.VOIDED:
        return view(entry, ctx.clock.now())
    if entry.payout_id is not None or entry.status is CommissionStatus.PAID:
        raise Conflict(
            f"commission {commission_id!r} is already paid; it cannot be voided (a refund or lost dispute "
            "reverses paid money)",
            code="commission_paid",
        )
    reversals = [e for e in ctx.commissions.all_for_partner(partner_id) if e.reverses == commission_id]
    if any(r.payout_id is not None for r in reversals):
        raise Conflict(f"a reversal of {commission_id!r} is already paid", code="commission_paid")
    now = ctx.clock.now()
    note = reason.strip()
    actions = []
    for target in [entry, *(r for r in reversals if r.status is not CommissionStatus.VOIDED)]:
        voided = target.model_copy(update={"status": CommissionStatus.VOIDED, "note": note, "updated_at": now})
        actions.append(ctx.commissions.entry_state_action(voided, target.status))
    try:
        ctx.commissions.transact(actions)
    except TransactionCancelled as error:
        raise Conflict(
            f"commission {commission_id!r} changed meanwhile (paid or updated); read it again",
            code="commission_changed",
        ) from error
    return read(ctx, partner_id, commission_id)
