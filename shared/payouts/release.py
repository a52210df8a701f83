"""Finance releases a payout the run flagged `needs_review` (its claimed entries netted to zero or less): every
entry it claimed goes back to payable, with the partner's balance aggregates, and the payout is marked
`released` with who did it, when and why. The next period's run pays those entries like any others.

Each release transaction gives back up to RELEASE_CHUNK_SIZE entries and moves the payout on in the same
transaction, on condition that the payout is still in review with the claimed count it was read with, and
that each entry is still paid and claimed by it: a second call, or two racing, never give an entry back twice.
"""

from __future__ import annotations

from shared.commissions import service as commissions
from shared.commissions.models import Commission, CommissionStatus
from shared.context import AppContext
from shared.core.dynamo import MAX_TRANSACTION_ACTIONS
from shared.core.errors import Conflict
from shared.core.money import Money, normalize_currency
from shared.core.retry import pause_before_retry
from shared.payouts.models import Payout, PayoutStatus
from shared.payouts.rules import parse_period
from shared.payouts.store import ClaimStatus

RELEASE_CHUNK_SIZE = 90  # + the payout, the totals and a few release days: within one transaction
MAX_ATTEMPTS = 8


def claimed_entries(ctx: AppContext, payout: Payout) -> list[Commission]:
    """The entries this payout holds now (planned and claimed, not given back yet), in plan order."""
    found = {e.commission_id: e for e in ctx.payouts.commissions(payout.partner_id, payout.commission_ids)}
    return [
        found[c]
        for c in payout.commission_ids
        if c in found and found[c].payout_id == payout.payout_id and found[c].status is CommissionStatus.PAID
    ]


def release_payout(
    ctx: AppContext, partner_id: str, period: str, currency: str, *, reason: str, released_by: str
) -> tuple[Payout, bool]:
    """Release a `needs_review` payout: its entries payable again, the payout `released`; (payout, released by
    this call). A payout released already is answered as it is stored (idempotent, False); any other status is
    409 `payout_not_in_review`."""
    period, currency = parse_period(period), normalize_currency(currency)
    for attempt in range(MAX_ATTEMPTS):
        pause_before_retry(attempt, base_seconds=0.02)
        payout = ctx.payouts.require(partner_id, period, currency)
        if payout.status is PayoutStatus.RELEASED:
            return payout, False
        if payout.status is not PayoutStatus.NEEDS_REVIEW:
            raise Conflict(
                f"the payout is {payout.status.value}; only a payout in review can be released",
                code="payout_not_in_review",
            )
        released = _give_back(ctx, payout, claimed_entries(ctx, payout), reason.strip(), released_by)
        if released is not None:
            return released, True
    raise Conflict("the payout kept changing while it was released; read it again", code="payout_changed")


def _give_back(
    ctx: AppContext, payout: Payout, entries: list[Commission], reason: str, released_by: str
) -> Payout | None:
    """Give the entries back chunk by chunk; the released payout, or None when someone moved it meanwhile."""
    while True:
        now = ctx.clock.now()
        chunk = entries[:RELEASE_CHUNK_SIZE]
        actions = commissions.unclaim_actions(ctx, chunk, now)
        while len(actions) + 1 > MAX_TRANSACTION_ACTIONS:  # many release days: fewer entries a transaction
            chunk = chunk[:-1]
            actions = commissions.unclaim_actions(ctx, chunk, now)
        rest = entries[len(chunk) :]
        claimed = payout.claimed_amount - sum(e.amount.amount for e in chunk)
        after = payout.model_copy(
            update={
                "commission_count": payout.commission_count - len(chunk),
                "claimed_amount": claimed,
                "amount": Money.of(claimed, payout.amount.currency),
                "release_reason": reason,
                "released_by": released_by,
                "updated_at": now,
            }
        )
        if not rest:
            # Nothing is claimed any more: the amount is the (zero) sum of the entries it holds.
            after = after.model_copy(
                update={
                    "status": PayoutStatus.RELEASED,
                    "released_at": now,
                    "commission_count": 0,
                    "claimed_amount": 0,
                    "amount": Money.of(0, payout.amount.currency),
                }
            )
        outcome = ctx.payouts.release_chunk(payout, after, actions)
        if outcome is ClaimStatus.CLAIMED:
            if not rest:
                return after
            payout, entries = after, rest
            continue
        if outcome is ClaimStatus.ENTRIES_CHANGED:
            raise Conflict(
                "an entry of this payout changed while it was released; read the payout again",
                code="payout_changed",
            )
        return None  # moved by another release (or contended): read it again


def payouts_in_review(ctx: AppContext, partner_id: str | None = None) -> list[dict[str, object]]:
    """The payouts waiting for finance (oldest period first), each with why it was flagged; one partner's
    with `partner_id`. Shown beside the review queue's entries."""
    waiting = [p for p in ctx.payouts.in_review() if partner_id is None or p.partner_id == partner_id]
    fields = {"payout_id", "partner_id", "period", "amount", "status", "method", "commission_count", "failure_reason"}
    return [p.model_dump(mode="json", include=fields, exclude_none=True) for p in waiting]
