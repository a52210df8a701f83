"""Customer attribution and the commission ledger (append-only: reversals are new negative entries)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.entity import Entity
from shared.core.money import Money


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
    # The customer's paid history (recurring scope, first sale, renewal bonus), updated with the sale's
    # ledger entries in one transaction; `version` makes those writes optimistic.
    paid_sales: int = 0
    first_paid_at: datetime | None = None
    renewed_subscriptions: list[str] = Field(default_factory=list)
    cancelled_subscriptions: dict[str, datetime] = Field(default_factory=dict)
    version: int = 0

    def keys(self) -> dict[str, str]:
        """One attribution per Stripe customer."""
        return keys.customer_attribution(self.stripe_customer_id)


class CommissionStatus(StrEnum):
    """pending (in its hold period) -> approved (payable) -> paid; held (disputed); voided. A reversal is a
    new negative entry, not a status."""

    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"
    PAID = "paid"
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


class SaleEntry(BaseModel):
    """A positive ledger entry a sale earned (refunds and disputes reconcile against these)."""

    model_config = ConfigDict(extra="forbid")

    commission_id: str
    rule: str
    amount: Money


class SaleRecord(Entity):
    """A referred sale: an invoice, or a payment-mode checkout session. Also created by an invoice_payment
    before its invoice is paid (then `paid` is False and only `payment_id` is known)."""

    entity_type: ClassVar[str] = "commission_sale"

    sale_id: str
    program_id: str
    paid: bool = False
    partner_id: str | None = None
    customer_id: str | None = None
    amount_paid: Money | None = None
    net: Money | None = None
    payment_id: str | None = None
    entries: list[SaleEntry] = Field(default_factory=list)
    paid_at: datetime | None = None
    version: int = 0

    def keys(self) -> dict[str, str]:
        """One item per sale."""
        return keys.commission_sale(self.sale_id)


class PaymentRecord(Entity):
    """What Stripe said about one payment: the sale it paid (once known), refunds and disputes."""

    entity_type: ClassVar[str] = "stripe_payment"

    payment_id: str
    sale_id: str | None = None
    refunds: dict[str, int] = Field(default_factory=dict)  # refund id -> amount, counted refunds only
    charge_refunded: int = 0  # the largest cumulative charge.amount_refunded seen
    disputes: dict[str, str] = Field(default_factory=dict)  # dispute id -> latest status
    version: int = 0

    def keys(self) -> dict[str, str]:
        """One item per payment_intent (or charge)."""
        return keys.stripe_payment(self.payment_id)


class ParkedSale(Entity):
    """A paid invoice of a customer that no checkout has bound yet; applied when the binding arrives."""

    entity_type: ClassVar[str] = "parked_sale"

    stripe_customer_id: str
    sale_id: str
    event_json: str  # the Stripe event as received, replayed through the same parser at binding
    parked_at: datetime
    # A customer nobody referred never gets a binding: its parked invoices expire (TTL) once no checkout can
    # still arrive (Stripe retries a delivery for three days).
    expires_at: int

    def keys(self) -> dict[str, str]:
        """In the customer's partition, so the binding finds them with one Query."""
        return keys.parked_sale(self.stripe_customer_id, self.sale_id)


class ReferralTotals(Entity):
    """A partner's lifetime referred revenue per currency, referred customers, one-off bonuses paid."""

    entity_type: ClassVar[str] = "referral_totals"

    partner_id: str
    revenue: dict[str, int] = Field(default_factory=dict)
    customers: int = 0
    bonuses_paid: list[str] = Field(default_factory=list)
    version: int = 0

    def keys(self) -> dict[str, str]:
        """Next to the partner's profile."""
        return keys.partner_referral_totals(self.partner_id)
