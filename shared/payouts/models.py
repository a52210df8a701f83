"""Payouts: one per (partner, period, currency).

A payout item is always written whole (PutItem) with a condition on the state it was read in, so its keys
follow `Payout.keys()` in every state and two runs racing on it cannot both move it forward.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.core import keys
from shared.core.entity import Entity
from shared.core.money import Money
from shared.partners.models import PayoutMethodKind


class PayoutStatus(StrEnum):
    """in_progress (claiming commissions) -> pending (to transfer) -> paid, or failed (retried next run).

    withheld: the partner could not be paid (paused, terminated, no payout method); nothing was claimed.
    needs_review: concurrent ledger changes left a claimed balance that is not positive; finance decides.
    released: finance released a needs_review payout (POST .../release): its entries are payable again and the
    next period's run pays them; the payout keeps who released it, when and why, and claims nothing.
    """

    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    WITHHELD = "withheld"
    NEEDS_REVIEW = "needs_review"
    RELEASED = "released"


# A claim transaction holds the payout item, up to CLAIM_CHUNK_SIZE ledger entries, the partner's balance
# totals, one release-day item per day on which a claimed entry still releases, and the last chunk's
# `payout.created` outbox event (DynamoDB's limit is 100): a plan with such entries has smaller chunks
# (claim_chunk_size).
CLAIM_CHUNK_SIZE = 97
# Payouts planned before the balance aggregates existed claim 99 entries a chunk (their stored plan's
# windows), without aggregate updates; the run rebuilds the partner's aggregates after their last chunk.
LEGACY_CLAIM_CHUNK_SIZE = 99


def claim_chunk_size(release_days: int) -> int:
    """Entries per claim transaction for a plan whose entries still release on `release_days` distinct days."""
    return CLAIM_CHUNK_SIZE - release_days


class Payout(Entity):
    """What one partner is paid for one period in one currency.

    `commission_ids` is the claim plan fixed when the payout is created; chunk `i` of it is claimed in one
    transaction together with `claimed_chunks` i -> i+1 and `claimed_amount`, so a resumed run knows exactly
    where it stopped and `amount` always equals the sum of the entries whose payout_id is this payout.
    """

    entity_type: ClassVar[str] = "payout"

    payout_id: str
    partner_id: str
    program_id: str
    period: str
    amount: Money
    status: PayoutStatus = PayoutStatus.IN_PROGRESS
    method: PayoutMethodKind
    destination: str | None = None
    commission_ids: list[str] = Field(default_factory=list)
    commission_amounts: list[int] = Field(default_factory=list)
    # The available_at of planned entries that had not released yet when planned (normally none: only an
    # early run of the current period plans them): their claim also updates the partner's release items.
    unreleased_available_at: dict[str, datetime] = Field(default_factory=dict)
    chunk_size: int | None = None  # None: planned before the balance aggregates (LEGACY_CLAIM_CHUNK_SIZE)
    claimed_chunks: int = 0
    claimed_amount: int = 0
    commission_count: int = 0
    transfer_attempt: int = 1
    stripe_transfer_id: str | None = None
    reference: str | None = None
    failure_reason: str | None = None
    withheld_reason: str | None = None
    release_reason: str | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None = None

    @property
    def keeps_balances(self) -> bool:
        """Whether its claims update the partner's balance aggregates (False: planned before they existed)."""
        return self.chunk_size is not None

    @property
    def entries_per_chunk(self) -> int:
        """How many ledger entries one claim transaction of this plan holds."""
        return self.chunk_size if self.chunk_size is not None else LEGACY_CLAIM_CHUNK_SIZE

    @property
    def chunk_count(self) -> int:
        """How many claim transactions the plan takes."""
        return -(-len(self.commission_ids) // self.entries_per_chunk)

    def chunk(self, index: int) -> dict[str, int]:
        """Commission id -> planned amount (minor units) of claim chunk `index` (entries never change amount)."""
        size = self.entries_per_chunk
        window = slice(index * size, (index + 1) * size)
        return dict(zip(self.commission_ids[window], self.commission_amounts[window], strict=True))

    @property
    def needs_run(self) -> bool:
        """True while the payout run still has work on it: claiming, or a Stripe transfer to make or retry."""
        if self.status is PayoutStatus.IN_PROGRESS:
            return True
        return self.method is PayoutMethodKind.STRIPE_CONNECT and self.status in (
            PayoutStatus.PENDING,
            PayoutStatus.FAILED,
        )

    @property
    def idempotency_key(self) -> str:
        """Stripe Idempotency-Key of the current transfer attempt, derived from the payout id.

        The attempt number moves on only after Stripe definitively declined the previous attempt (so no
        transfer exists for it); a crash or timeout retries with the same key, and Stripe answers with the
        transfer it already made.
        """
        return f"payout-{self.payout_id}-attempt-{self.transfer_attempt}"

    def keys(self) -> dict[str, str]:
        """In the partner's partition; listed per period on GSI1; on the sparse GSI3 while the run owes work, or
        while it waits for finance's review."""
        result = {
            **keys.payout(self.partner_id, self.period, self.amount.currency),
            **keys.payout_period_listing(self.period, self.partner_id, self.amount.currency),
        }
        if self.needs_run:
            shard = keys.payable_shard(self.partner_id)
            result.update(keys.payout_open_listing(shard, self.period, self.partner_id, self.amount.currency))
        elif self.status is PayoutStatus.NEEDS_REVIEW:
            result.update(keys.payout_review_listing(self.period, self.partner_id, self.amount.currency))
        return result
