"""Customer attribution and the commission ledger (append-only: reversals are new negative entries)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from shared import keys
from shared.clock import to_iso
from shared.models.base import Entity
from shared.money import Money


class AttributionSource(StrEnum):
    """What bound a Stripe customer to a partner."""

    CLICK_TOKEN = "click_token"  # noqa: S105 - a name, not a secret
    REF_CODE = "ref_code"
    LEAD = "lead"
    ADMIN = "admin"


class CustomerAttribution(Entity):
    """A Stripe customer attributed to a partner."""

    entity_type: ClassVar[str] = "customer_attribution"

    stripe_customer_id: str
    partner_id: str
    program_id: str
    source: AttributionSource
    link_code: str | None = None
    click_id: str | None = None
    lead_id: str | None = None
    touched_at: datetime
    attributed_at: datetime

    def keys(self) -> dict[str, str]:
        """One attribution per Stripe customer."""
        return keys.customer_attribution(self.stripe_customer_id)


class CommissionStatus(StrEnum):
    """pending (in its hold period) -> approved (payable) -> paid; held (disputed); reversed; voided."""

    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"
    PAID = "paid"
    REVERSED = "reversed"
    VOIDED = "voided"


class CommissionSource(BaseModel):
    """The Stripe and program facts a ledger entry comes from, so a statement line can be checked."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = None
    invoice_id: str | None = None
    checkout_session_id: str | None = None
    payment_intent_id: str | None = None
    charge_id: str | None = None
    refund_id: str | None = None
    dispute_id: str | None = None
    lead_id: str | None = None
    event_id: str | None = None


class Commission(Entity):
    """One ledger entry: a positive commission or a negative reversal, in the charge's currency."""

    entity_type: ClassVar[str] = "commission"

    commission_id: str
    partner_id: str
    program_id: str
    amount: Money
    status: CommissionStatus = CommissionStatus.PENDING
    rule: str
    source: CommissionSource = CommissionSource()
    reverses: str | None = None
    available_at: datetime
    payout_id: str | None = None
    note: str | None = None
    created_at: datetime
    updated_at: datetime

    def keys(self) -> dict[str, str]:
        """Ledger entry in the partner's partition; GSI1 for the program; sparse GSI2 while payable."""
        result = {
            **keys.commission(self.partner_id, self.commission_id),
            **keys.commission_program_listing(self.program_id, to_iso(self.created_at), self.commission_id),
        }
        if self.payout_id is None and self.status in (CommissionStatus.PENDING, CommissionStatus.APPROVED):
            result.update(keys.commission_payable(self.partner_id, to_iso(self.available_at), self.commission_id))
        return result
