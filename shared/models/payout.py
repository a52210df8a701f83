"""Payouts: one per (partner, period, currency)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from shared import keys
from shared.models.base import Entity
from shared.models.partner import PayoutMethodKind
from shared.money import Money


class PayoutStatus(StrEnum):
    """in_progress (claiming commissions) -> pending (to transfer) -> paid, or failed (retried next run)."""

    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Payout(Entity):
    """What one partner is paid for one period in one currency."""

    entity_type: ClassVar[str] = "payout"

    payout_id: str
    partner_id: str
    program_id: str
    period: str
    amount: Money
    status: PayoutStatus = PayoutStatus.IN_PROGRESS
    method: PayoutMethodKind
    commission_count: int = 0
    stripe_transfer_id: str | None = None
    reference: str | None = None
    failure_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None = None

    def keys(self) -> dict[str, str]:
        """In the partner's partition; listed per period on GSI1."""
        return {
            **keys.payout(self.partner_id, self.period, self.amount.currency),
            **keys.payout_period_listing(self.period, self.partner_id, self.amount.currency),
        }
