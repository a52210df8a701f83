"""Stripe objects turned into the business facts the ledger uses. Pure: no I/O, no stripe import.

Shapes are those of API version 2025-03-31.basil and later (see docs/stripe.md): an invoice names its
subscription under `parent.subscription_details.subscription`, its taxes in `total_taxes`, and a charge or
payment_intent reaches its invoice only through an `invoice_payment` (event `invoice_payment.paid`, or the
invoice's `payments` list when expanded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.core.money import Money

SUBSCRIPTION_CLICK_KEY = "click_id"
"""The subscription metadata key the company's Checkout sets to the click token (README "Wiring the company's
site"); Stripe copies the subscription's metadata onto each of its invoices (`parent.subscription_details`)."""


class UnusableEvent(ValueError):
    """The event is genuine but lacks what the ledger needs (a permanent problem: retrying cannot help)."""


@dataclass(frozen=True)
class CheckoutCompleted:
    """A completed Checkout Session: binds the customer; in payment mode it is also the sale."""

    session_id: str
    mode: str
    paid: bool
    customer_id: str | None
    email: str | None
    client_reference_id: str | None
    ref_code: str | None
    payment_intent_id: str | None
    amount_paid: Money | None
    net: Money | None
    created_at: datetime
    promotion_codes: tuple[str, ...] = ()  # promo ids (and code texts when expanded) of its discounts


@dataclass(frozen=True)
class InvoicePaid:
    """A paid invoice (first one of a subscription or a renewal)."""

    invoice_id: str
    customer_id: str
    subscription_id: str | None
    billing_reason: str | None
    amount_paid: Money
    net: Money
    paid_at: datetime
    out_of_band: bool
    payment_ids: tuple[str, ...]
    customer_email: str | None = None  # the invoice's copy of the customer's email (self-referral check)
    promotion_codes: tuple[str, ...] = ()  # promo ids / code texts of its expanded discounts
    # The click token the subscription carries in its metadata (Checkout's subscription_data.metadata.click_id,
    # snapshot on every invoice): which partner's records to read with the binding, never an attribution.
    click_id: str | None = None


@dataclass(frozen=True)
class PaymentLinked:
    """An invoice_payment: this payment (payment_intent or charge) paid this invoice."""

    invoice_id: str
    payment_id: str


@dataclass(frozen=True)
class RefundFact:
    """A refund (refund.*) or a charge's cumulative refunded amount (charge.refunded)."""

    payment_id: str
    refund_id: str | None  # None for charge.refunded, whose amount is cumulative
    amount: int
    counts: bool  # pending or succeeded; failed/canceled refunds take nothing back


@dataclass(frozen=True)
class DisputeFact:
    """A dispute and its status (open statuses hold the commission, lost reverses, won releases)."""

    payment_id: str
    dispute_id: str
    status: str


@dataclass(frozen=True)
class SubscriptionEnded:
    """customer.subscription.deleted: the subscription is cancelled (no more invoices, so no more commission)."""

    subscription_id: str
    customer_id: str
    cancelled_at: datetime


Fact = CheckoutCompleted | InvoicePaid | PaymentLinked | RefundFact | DisputeFact | SubscriptionEnded

HANDLED_TYPES = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "invoice.paid",
        "invoice_payment.paid",
        "charge.refunded",
        "refund.created",
        "refund.updated",
        "charge.refund.updated",
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "customer.subscription.deleted",
    }
)


def _id(value: Any) -> str | None:
    """An id field that may be a string or an expanded object."""
    if isinstance(value, dict):
        found = value.get("id")
        return str(found) if found else None
    return str(value) if value else None


def _epoch(value: Any, default: int) -> datetime:
    seconds = value if isinstance(value, int) and not isinstance(value, bool) else default
    return datetime.fromtimestamp(seconds, tz=UTC)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def invoice_tax(invoice: dict[str, Any]) -> int:
    """The tax of an invoice: the sum of `total_taxes` (basil), else total minus total_excluding_tax."""
    taxes = invoice.get("total_taxes")
    if isinstance(taxes, list):
        return sum(_int(t.get("amount")) for t in taxes if isinstance(t, dict))
    total, excluding = invoice.get("total"), invoice.get("total_excluding_tax")
    if isinstance(total, int) and isinstance(excluding, int):
        return max(0, total - excluding)
    return 0


def payment_id_of(obj: dict[str, Any]) -> str:
    """The id a payment is known by: its payment_intent, else the charge (refunds, disputes, charges)."""
    found = _id(obj.get("payment_intent")) or (obj["id"] if obj.get("object") == "charge" else _id(obj.get("charge")))
    if not found:
        raise UnusableEvent(f"{obj.get('object')} {obj.get('id')} names neither a payment_intent nor a charge")
    return found


def _invoice_payment_id(invoice_payment: dict[str, Any]) -> str | None:
    payment = invoice_payment.get("payment") or {}
    return _id(payment.get("payment_intent")) or _id(payment.get("charge"))


def parse_event(event: dict[str, Any]) -> Fact | None:
    """The business fact an event carries, or None for a type the ledger does not use."""
    event_type = str(event.get("type", ""))
    if event_type not in HANDLED_TYPES:
        return None
    obj = (event.get("data") or {}).get("object")
    if not isinstance(obj, dict) or not obj.get("id"):
        raise UnusableEvent(f"{event_type} without data.object")
    created = _int(event.get("created"))
    if event_type.startswith("checkout.session."):
        return _checkout(obj, created)
    if event_type == "invoice.paid":
        return _invoice(obj, created)
    if event_type == "invoice_payment.paid":
        payment_id = _invoice_payment_id(obj)
        invoice_id = _id(obj.get("invoice"))
        if not payment_id or not invoice_id:
            raise UnusableEvent(f"invoice_payment {obj['id']} names no invoice or payment")
        return PaymentLinked(invoice_id=invoice_id, payment_id=payment_id)
    if event_type == "charge.refunded":
        return RefundFact(payment_id_of(obj), None, _int(obj.get("amount_refunded")), counts=True)
    if event_type in ("refund.created", "refund.updated", "charge.refund.updated"):
        counts = obj.get("status") in ("pending", "succeeded", "requires_action")
        return RefundFact(payment_id_of(obj), str(obj["id"]), _int(obj.get("amount")), counts=counts)
    if event_type.startswith("charge.dispute."):
        return DisputeFact(payment_id_of(obj), str(obj["id"]), str(obj.get("status") or "needs_response"))
    customer = _id(obj.get("customer"))
    if not customer:
        raise UnusableEvent(f"subscription {obj['id']} without customer")
    # ended_at: when the subscription stopped; canceled_at: when the cancellation was asked (maybe earlier).
    ended = obj.get("ended_at") or obj.get("canceled_at")
    return SubscriptionEnded(subscription_id=str(obj["id"]), customer_id=customer, cancelled_at=_epoch(ended, created))


def _checkout(session: dict[str, Any], created: int) -> CheckoutCompleted:
    mode = str(session.get("mode") or "payment")
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    currency = session.get("currency")
    amount_paid = net = None
    if mode == "payment" and paid and isinstance(currency, str):
        total = _int(session.get("amount_total"))
        tax = _int((session.get("total_details") or {}).get("amount_tax"))
        amount_paid = Money.of(total, currency)
        net = Money.of(max(0, total - tax), currency)
    details = session.get("customer_details") or {}
    metadata = session.get("metadata") or {}
    ref_code = metadata.get("ref") or metadata.get("ref_code") or metadata.get("referral_code")
    return CheckoutCompleted(
        session_id=str(session["id"]),
        mode=mode,
        paid=paid,
        customer_id=_id(session.get("customer")),
        email=details.get("email") or session.get("customer_email"),
        client_reference_id=session.get("client_reference_id") or None,
        ref_code=str(ref_code) if ref_code else None,
        payment_intent_id=_id(session.get("payment_intent")),
        amount_paid=amount_paid,
        net=net,
        created_at=_epoch(session.get("created"), created),
        promotion_codes=promotion_codes(session.get("discounts")),
    )


def _invoice(invoice: dict[str, Any], created: int) -> InvoicePaid:
    customer = _id(invoice.get("customer"))
    currency = invoice.get("currency")
    if not customer or not isinstance(currency, str):
        raise UnusableEvent(f"invoice {invoice['id']} without customer or currency")
    subscription_details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = _id(subscription_details.get("subscription"))
    click_id = (subscription_details.get("metadata") or {}).get(SUBSCRIPTION_CLICK_KEY)
    paid = _int(invoice.get("amount_paid"))
    payments = (invoice.get("payments") or {}).get("data") or []
    payment_ids = tuple(p for p in (_invoice_payment_id(ip) for ip in payments if isinstance(ip, dict)) if p)
    # Paid out of band: marked paid by hand in the Dashboard/API; no money went through Stripe.
    out_of_band = bool(invoice.get("paid_out_of_band")) or any(
        (ip.get("payment") or {}).get("type") == "out_of_band_payment" for ip in payments if isinstance(ip, dict)
    )
    return InvoicePaid(
        invoice_id=str(invoice["id"]),
        customer_id=customer,
        subscription_id=subscription,
        billing_reason=invoice.get("billing_reason"),
        amount_paid=Money.of(paid, currency),
        net=Money.of(max(0, paid - invoice_tax(invoice)), currency),
        paid_at=_epoch((invoice.get("status_transitions") or {}).get("paid_at"), created),
        out_of_band=out_of_band,
        payment_ids=payment_ids,
        customer_email=invoice.get("customer_email") if isinstance(invoice.get("customer_email"), str) else None,
        promotion_codes=promotion_codes(invoice.get("discounts")),
        click_id=click_id if isinstance(click_id, str) and click_id else None,
    )


def promotion_codes(discounts: object) -> tuple[str, ...]:
    """The promotion codes a `discounts` list names: a Checkout session's `[{"coupon", "promotion_code"}]`
    (an id, or the expanded object) or an invoice's expanded discount objects (`promotion_code` id or object
    with `code`). Unexpanded invoice discounts are `di_...` ids and name none."""
    found: list[str] = []
    for discount in discounts if isinstance(discounts, list) else []:
        if not isinstance(discount, dict):
            continue
        promo = discount.get("promotion_code")
        if isinstance(promo, str) and promo:
            found.append(promo)
        elif isinstance(promo, dict):
            found += [str(promo[name]) for name in ("id", "code") if isinstance(promo.get(name), str) and promo[name]]
    return tuple(found)
