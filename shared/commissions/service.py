"""Reading and steering the ledger: listings with effective status, balances per currency, and the admin's
two levers (approve early, void with a reason). Voiding a paid entry is refused (409): money already paid is
taken back only by a reversal (a refund or a lost dispute), never by rewriting history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.commissions import rules
from shared.commissions.models import Commission, CommissionStatus, EntryState
from shared.commissions.store import LedgerWrite, WriteOutcome
from shared.context import AppContext
from shared.core.errors import Conflict, NotFound
from shared.core.pagination import decode_cursor, encode_cursor

PARTNER_CURSOR_KEYS = {"pk", "sk"}
STATE_CURSOR_KEYS = {"pk", "sk", "gsi3pk", "gsi3sk"}
PROGRAM_CURSOR_KEYS = {"pk", "sk", "gsi1pk", "gsi1sk"}
# An effective status is one balance state, narrowed by available_at for the unpaid ones.
STATE_OF_STATUS = {
    CommissionStatus.PENDING: EntryState.UNPAID,
    CommissionStatus.APPROVED: EntryState.UNPAID,
    CommissionStatus.HELD: EntryState.HELD,
    CommissionStatus.PAID: EntryState.PAID,
    CommissionStatus.VOIDED: EntryState.VOIDED,
    CommissionStatus.NEEDS_REVIEW: EntryState.IN_REVIEW,
}


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
    """A page of entries: one partner's (in id order; with a status, by available_at, read by key from the
    partner's entries in that state), or the program's (oldest first, the status filtering each page)."""
    now = ctx.clock.now()
    if partner_id and status is not None:
        start = decode_cursor(cursor, expected_keys=STATE_CURSOR_KEYS)
        entries, last = ctx.commissions.list_in_state(
            partner_id,
            STATE_OF_STATUS[status],
            limit=limit,
            start_key=start,
            available_after=now if status is CommissionStatus.PENDING else None,
            available_until=now if status is CommissionStatus.APPROVED else None,
        )
    elif partner_id:
        start = decode_cursor(cursor, expected_keys=PARTNER_CURSOR_KEYS)
        entries, last = ctx.commissions.list_for_partner(partner_id, limit=limit, start_key=start)
    else:
        start = decode_cursor(cursor, expected_keys=PROGRAM_CURSOR_KEYS)
        entries, last = ctx.commissions.list_for_program(ctx.program_id, limit=limit, start_key=start)
    shown = [view(e, now) for e in entries if e.program_id == ctx.program_id]
    if status is not None:
        shown = [v for v in shown if v["status"] == status.value]
    return shown, encode_cursor(last)


def balances(ctx: AppContext, partner_id: str) -> dict[str, dict[str, int]]:
    """Per currency, in minor units: pending (in hold), approved (payable now), held (disputed), paid, and
    unpaid (pending + approved: what the next payouts owe, negative when reversals exceed earnings).

    Read from the partner's balance aggregates: one Query, plus a small one when an entry releases within
    the current minute (docs/commissions.md, "Balances").
    """
    now = ctx.clock.now()
    totals, days = ctx.commissions.balance_items(partner_id, rules.release_minute(now).strftime("%Y-%m-%d"))
    this_minute = (
        ctx.commissions.pending_in_minute(partner_id, now) if rules.releasing_in_current_minute(days, now) else {}
    )
    return rules.balance_view(totals, days, now, this_minute)


def balances_and_forecast(
    ctx: AppContext, partner_id: str, at: datetime
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """`balances` now and, per currency, what the partner's unpaid entries will have made payable at `at` (a
    payout run's cutoff), from the same reads (the portal's dashboard: the next payout's amount)."""
    now = ctx.clock.now()
    totals, days = ctx.commissions.balance_items(partner_id, rules.release_minute(now).strftime("%Y-%m-%d"))
    this_minute = (
        ctx.commissions.pending_in_minute(partner_id, now) if rules.releasing_in_current_minute(days, now) else {}
    )
    later = rules.balance_view(totals, days, at)
    return rules.balance_view(totals, days, now, this_minute), {c: b["approved"] for c, b in later.items()}


def _entry(ctx: AppContext, partner_id: str, commission_id: str) -> Commission:
    entry = ctx.commissions.get(partner_id, commission_id)
    if entry.program_id != ctx.program_id:
        raise NotFound(f"commission {commission_id!r} does not exist", code="commission_not_found")
    return entry


def _with_reversals(ctx: AppContext, partner_id: str, commission_id: str) -> tuple[Commission, list[Commission]]:
    entry, reversals = ctx.commissions.with_reversals(partner_id, commission_id)
    if entry is None or entry.program_id != ctx.program_id:
        raise NotFound(f"commission {commission_id!r} does not exist", code="commission_not_found")
    return entry, reversals


def _shown(entry: Commission, reversals: list[Commission], now: datetime) -> dict[str, Any]:
    return {**view(entry, now), "reversals": [view(r, now) for r in reversals]}


def read(ctx: AppContext, partner_id: str, commission_id: str) -> dict[str, Any]:
    """One entry as shown to the admin, with its reversals (one Query: their ids extend the entry's)."""
    entry, reversals = _with_reversals(ctx, partner_id, commission_id)
    return _shown(entry, reversals, ctx.clock.now())


def _changed_meanwhile(commission_id: str) -> Conflict:
    return Conflict(
        f"commission {commission_id!r} changed meanwhile (paid or updated); read it again",
        code="commission_changed",
    )


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
    if ctx.commissions.write(LedgerWrite(now, changed_entries=[(entry, approved)])) is not WriteOutcome.APPLIED:
        raise _changed_meanwhile(commission_id)
    return view(approved, now)


def void(ctx: AppContext, partner_id: str, commission_id: str, reason: str) -> dict[str, Any]:
    """Void an unpaid entry (it leaves the payable index) together with its unpaid reversals, in one
    transaction. A paid entry, or one whose reversal was paid, is refused with 409."""
    entry, reversals = _with_reversals(ctx, partner_id, commission_id)
    now = ctx.clock.now()
    if entry.status is CommissionStatus.VOIDED:
        return _shown(entry, reversals, now)  # voided already: the same answer as the first void
    if entry.payout_id is not None or entry.status is CommissionStatus.PAID:
        raise Conflict(
            f"commission {commission_id!r} is already paid; it cannot be voided (a refund or lost dispute "
            "reverses paid money)",
            code="commission_paid",
        )
    if any(r.payout_id is not None for r in reversals):
        raise Conflict(f"a reversal of {commission_id!r} is already paid", code="commission_paid")
    note = reason.strip()
    changes = [
        (target, target.model_copy(update={"status": CommissionStatus.VOIDED, "note": note, "updated_at": now}))
        for target in [entry, *(r for r in reversals if r.status is not CommissionStatus.VOIDED)]
    ]
    if ctx.commissions.write(LedgerWrite(now, changed_entries=changes)) is not WriteOutcome.APPLIED:
        raise _changed_meanwhile(commission_id)
    voided = {after.commission_id: after for _, after in changes}
    return _shown(voided[entry.commission_id], [voided.get(r.commission_id, r) for r in reversals], now)


# ---------------------------------------------------------------- review queue
def review_page(
    ctx: AppContext, *, partner_id: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Entries waiting for staff (`needs_review`), each with the reason it was flagged: one partner's read by
    key from its in-review entries, or the program's (oldest first, filtered page by page)."""
    return list_page(ctx, partner_id=partner_id, status=CommissionStatus.NEEDS_REVIEW, limit=limit, cursor=cursor)


def decide_review(
    ctx: AppContext, partner_id: str, commission_id: str, *, approve: bool, reason: str | None
) -> dict[str, Any]:
    """Approve (the entry and its reversals follow the plan's hold from now: pending) or reject (voided with
    the reason the partner reads: never paid) a flagged entry, in one transaction. 409 when it is not in review."""
    entry, reversals = _with_reversals(ctx, partner_id, commission_id)
    if entry.status is not CommissionStatus.NEEDS_REVIEW:
        raise Conflict(
            f"commission {commission_id!r} is {entry.status.value}, not waiting for review",
            code="commission_not_in_review",
        )
    now = ctx.clock.now()
    status = CommissionStatus.PENDING if approve else CommissionStatus.VOIDED
    note = (reason or "").strip() or None
    changes = [
        (target, target.model_copy(update={"status": status, "note": note or target.note, "updated_at": now}))
        for target in [entry, *(r for r in reversals if r.status is CommissionStatus.NEEDS_REVIEW)]
    ]
    if ctx.commissions.write(LedgerWrite(now, changed_entries=changes)) is not WriteOutcome.APPLIED:
        raise _changed_meanwhile(commission_id)
    decided = {after.commission_id: after for _, after in changes}
    return _shown(decided[entry.commission_id], [decided.get(r.commission_id, r) for r in reversals], now)


# ---------------------------------------------------------------- entries written in other slices' transactions
def new_entry_actions(ctx: AppContext, entry: Commission) -> list[dict[str, Any]]:
    """The transaction actions that add one ledger entry with its balance aggregates, for a transaction another
    slice writes (the lead bounty beside its lead): the ledger stays the only builder of its own items."""
    return ctx.commissions.new_entry_actions(entry)


def claim_actions(
    ctx: AppContext,
    *,
    partner_id: str,
    payout_id: str,
    currency: str,
    claims: Sequence[tuple[str, int, datetime | None]],
    now: datetime,
    with_balances: bool,
) -> list[dict[str, Any]]:
    """The actions of a payout's claim of entries (one conditional update per entry, in order, then the balance
    aggregates), for the payout's own claim transaction."""
    return ctx.commissions.claim_actions(partner_id, payout_id, currency, claims, now, with_balances=with_balances)


def unclaim_actions(ctx: AppContext, entries: Sequence[Commission], now: datetime) -> list[dict[str, Any]]:
    """The actions that give a payout's claimed entries back to payable (each only while still paid and claimed
    by that payout), with the balance aggregates, for the payout's own release transaction."""
    return ctx.commissions.unclaim_actions(entries, now)
