"""Customer attribution and the commission ledger (append-only: reversals are new negative entries)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.entity import Entity, Model
from shared.core.money import Money


class AttributionSource(StrEnum):
    """What bound a Stripe customer to a partner."""

    CLICK_TOKEN = "click_token"  # noqa: S105 - a name, not a secret
    REF_CODE = "ref_code"
    LEAD = "lead"
    ADMIN = "admin"
    PROMOTION_CODE = "promotion_code"


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
    # Set when the binding looked like the partner itself (self-referral), or staff moved the customer after
    # payments: its sales wait in review.
    review_reason: str | None = None
    # A binding staff made (POST /admin/customers/{id}/attribution): who, why, and whom it was taken from.
    attributed_by: str | None = None
    attribution_reason: str | None = None
    previous_partner_id: str | None = None
    # What the partner's Customers page shows (shared.commissions.customers), kept in the same transactions as
    # the payments, refunds and cancellations: the email masked (never the address itself), the latest paid
    # sale, and the sales a refund or a lost dispute took back in full.
    email_masked: str | None = None
    last_paid_at: datetime | None = None
    last_sale_id: str | None = None
    reversed_sales: list[str] = Field(default_factory=list)

    def keys(self) -> dict[str, str]:
        """One attribution per Stripe customer; GSI1 lists it under its partner (the portal's Customers)."""
        return {
            **keys.customer_attribution(self.stripe_customer_id),
            **keys.customer_partner_listing(self.partner_id, to_iso(self.attributed_at), self.stripe_customer_id),
        }


def promotion_code_key(code: str) -> str:
    """How a promotion code is looked up: a `promo_...` id as Stripe writes it, a code text upper-cased
    (Stripe's codes are case-insensitive)."""
    code = code.strip()
    return code if code.startswith("promo_") else code.upper()


class PromotionCodeAssignment(Entity):
    """A Stripe promotion code assigned to a partner: a Checkout session or invoice using it binds the
    customer to the partner. Stored twice in one transaction: by code (the lookup) and under the partner."""

    entity_type: ClassVar[str] = "promotion_code_assignment"

    program_id: str
    code: str  # promotion_code_key(...)
    partner_id: str
    assigned_by: str
    assigned_at: datetime

    def keys(self) -> dict[str, str]:
        """By code in the program's promotion code partition."""
        return keys.promotion_code_assignment(self.program_id, self.code)


class CommissionStatus(StrEnum):
    """pending (in its hold period) -> approved (payable) -> paid; held (disputed); voided; needs_review
    (flagged: waits for staff to approve -> pending, or reject -> voided). A reversal is a new negative
    entry, not a status."""

    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"
    PAID = "paid"
    VOIDED = "voided"
    NEEDS_REVIEW = "needs_review"


class EntryState(StrEnum):
    """Where an entry's amount counts in the partner's balance: exactly one state per entry.

    unpaid: pending or approved and not claimed by a payout (pending while available_at > now, else approved);
    held: disputed; paid: claimed by a payout (payout_id set); voided: cancelled by an admin (counts nowhere);
    in_review: flagged (self-referral, large amount...) and waiting for staff, never payable meanwhile.
    """

    UNPAID = "unpaid"
    HELD = "held"
    PAID = "paid"
    VOIDED = "voided"
    IN_REVIEW = "in_review"


def entry_state(status: CommissionStatus, payout_id: str | None) -> EntryState:
    """The balance state of an entry with this stored status and payout."""
    if status is CommissionStatus.VOIDED:
        return EntryState.VOIDED
    if payout_id is not None or status is CommissionStatus.PAID:
        return EntryState.PAID
    if status is CommissionStatus.HELD:
        return EntryState.HELD
    if status is CommissionStatus.NEEDS_REVIEW:
        return EntryState.IN_REVIEW
    return EntryState.UNPAID


def ledger_index_keys(
    partner_id: str, commission_id: str, status: CommissionStatus, payout_id: str | None, available_at: datetime
) -> dict[str, str]:
    """The secondary-index keys an entry carries in this state: GSI2 (payable index) while unpaid, GSI3 (the
    partner's entries by balance state) always. One place, used by Commission.keys() and every state update."""
    state = entry_state(status, payout_id)
    available_iso = to_iso(available_at)
    result = keys.commission_state_listing(partner_id, state.value, available_iso, commission_id)
    if state is EntryState.UNPAID:
        result.update(keys.commission_payable(partner_id, available_iso, commission_id))
    return result


class CommissionSource(Model):
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
    source: CommissionSource = Field(default_factory=CommissionSource)
    reverses: str | None = None
    available_at: datetime
    payout_id: str | None = None
    note: str | None = None
    review_reason: str | None = None  # why it was flagged for review (kept after the decision)
    created_by: str | None = None  # a manual adjustment: the staff principal who made it
    description: str | None = None  # a manual adjustment: what it is (a non-cash reward's gift, credit...)
    created_at: datetime
    updated_at: datetime

    @property
    def state(self) -> EntryState:
        """Where this entry counts in the partner's balance."""
        return entry_state(self.status, self.payout_id)

    def keys(self) -> dict[str, str]:
        """Ledger entry in the partner's partition; GSI1 for the program; sparse GSI2 while payable; GSI3 by
        the partner's balance state."""
        return {
            **keys.commission(self.partner_id, self.commission_id),
            **keys.commission_program_listing(self.program_id, to_iso(self.created_at), self.commission_id),
            **ledger_index_keys(self.partner_id, self.commission_id, self.status, self.payout_id, self.available_at),
        }


class SaleEntry(Model):
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


# ---------------------------------------------------------------- balance aggregates
RELEASE_AMOUNT_PREFIX = "m"  # m0930: amount releasing in minute 09:30 of the day
RELEASE_COUNT_PREFIX = "n"  # n0930: how many entries release in it
RELEASE_DAY_TTL_DAYS = 2  # a day's release item is useless once the day is over; TTL removes it after this


@dataclass(frozen=True)
class BalanceTotals:
    """A partner's balance totals in one currency: the sum of the amounts of its entries in each state
    (unpaid, held, paid, voided, in_review), the number of entries that are not voided, and a version every change
    increments (ADD updates in the same transaction as the entry change; the rebuild conditions on it)."""

    partner_id: str
    currency: str
    unpaid: int = 0
    held: int = 0
    paid: int = 0
    voided: int = 0
    live_entries: int = 0
    version: int = 0
    in_review: int = 0

    entity_type: ClassVar[str] = "balance_totals"
    SUMS: ClassVar[tuple[str, ...]] = ("unpaid", "held", "paid", "voided", "live_entries", "in_review")

    def keys(self) -> dict[str, str]:
        """Next to the partner's ledger, one per currency."""
        return keys.partner_balance(self.partner_id, self.currency)

    def to_item(self) -> dict[str, Any]:
        """The stored item (written whole only by the rebuild; every other writer ADDs to it)."""
        return {**self.keys(), "type": self.entity_type, **asdict(self)}

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> BalanceTotals:
        """Read back a stored item (absent sums are zero)."""
        return cls(
            partner_id=str(item["partner_id"]),
            currency=str(item["currency"]),
            **{name: int(item.get(name, 0)) for name in (*cls.SUMS, "version")},
        )


@dataclass(frozen=True)
class ReleaseDay:
    """What a partner's unpaid entries of one currency release on one UTC day: per minute ("HHMM"), the sum
    of their amounts and their count. Kept only for minutes that have not passed when written (a passed
    minute's entries are approved, whatever the item says), removed by TTL after the day."""

    partner_id: str
    currency: str
    day: str  # YYYY-MM-DD
    minutes: Mapping[str, tuple[int, int]]  # "HHMM" -> (amount, entries)

    entity_type: ClassVar[str] = "balance_release_day"

    def keys(self) -> dict[str, str]:
        """Next to the partner's balance totals."""
        return keys.partner_balance_release_day(self.partner_id, self.day, self.currency)

    def to_item(self) -> dict[str, Any]:
        """The stored item: one number attribute per minute for the amount and one for the count."""
        item: dict[str, Any] = {
            **self.keys(),
            "type": self.entity_type,
            "partner_id": self.partner_id,
            "currency": self.currency,
            "day": self.day,
            "expires_at": release_day_expiry(self.day),
        }
        for minute, (amount, count) in self.minutes.items():
            item[RELEASE_AMOUNT_PREFIX + minute] = amount
            item[RELEASE_COUNT_PREFIX + minute] = count
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ReleaseDay:
        """Read back a stored item."""
        minutes: dict[str, tuple[int, int]] = {}
        for name, value in item.items():
            if len(name) == 5 and name[0] == RELEASE_AMOUNT_PREFIX and name[1:].isdigit():
                minutes[name[1:]] = (int(value), int(item.get(RELEASE_COUNT_PREFIX + name[1:], 0)))
        return cls(str(item["partner_id"]), str(item["currency"]), str(item["day"]), minutes)


def release_day_expiry(day: str) -> int:
    """TTL (epoch seconds) of a release day's item: some days after the day, when it can no longer matter."""
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    return int((start + timedelta(days=1 + RELEASE_DAY_TTL_DAYS)).timestamp())
