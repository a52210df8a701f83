"""A partner's referred customers as its portal shows them: masked email, first and last payment, status.

The figures live on the customer's attribution (`CustomerAttribution`), changed in the same transaction as
the payment, refund or cancellation that moves them (shared.commissions.webhook), and listed per partner from
GSI1 (`keys.customer_partner_listing`): a page costs one Query whatever the partner's history.

Status, from what the attribution holds:
- refunded: the customer's latest paid sale was taken back in full (refunded, or a dispute lost);
- cancelled: a subscription of the customer ended after its latest payment (or before any payment);
- active: otherwise (paying, or bound and not paid yet).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from shared.commissions import rules as ledger
from shared.commissions.models import CustomerAttribution, PaymentRecord, SaleRecord
from shared.context import AppContext
from shared.core import keys
from shared.core.errors import BadRequest
from shared.core.pagination import decode_cursor, encode_cursor
from shared.leads.rules import mask_email

CURSOR_KEYS = {"pk", "sk", "gsi1pk", "gsi1sk"}


class CustomerStatus(StrEnum):
    """What a partner reads about a referred customer."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


# ---------------------------------------------------------------- rules (pure)
def masked(email: str | None) -> str | None:
    """The customer's email as a partner may see it (`b***@customer.example`), the leads' mask."""
    return mask_email(email.strip().lower()) if email else None


def status_of(binding: CustomerAttribution) -> CustomerStatus:
    """The customer's status from its attribution (see the module's docstring)."""
    if binding.last_sale_id and binding.last_sale_id in binding.reversed_sales:
        return CustomerStatus.REFUNDED
    ended = max(binding.cancelled_subscriptions.values(), default=None)
    if ended is not None and (binding.last_paid_at is None or ended >= binding.last_paid_at):
        return CustomerStatus.CANCELLED
    return CustomerStatus.ACTIVE


def taken_back(sale: SaleRecord, payment: PaymentRecord | None) -> bool:
    """Whether a paid sale's money went back to the customer in full: refunded entirely, or a dispute lost."""
    if payment is None or sale.amount_paid is None:
        return False
    paid = sale.amount_paid.amount
    outcome = ledger.payment_outcome(payment.refunds, payment.charge_refunded, payment.disputes, paid)
    return outcome.dispute_lost or (paid > 0 and outcome.refunded >= paid)


def with_reversal(binding: CustomerAttribution, sale_id: str, reversed_in_full: bool) -> list[str]:
    """The attribution's fully reversed sales once `sale_id` is (or is no longer) one of them."""
    kept = [s for s in binding.reversed_sales if s != sale_id]
    return sorted([*kept, sale_id]) if reversed_in_full else kept


def after_payment(
    binding: CustomerAttribution,
    sale: SaleRecord,
    email: str | None,
    payment: PaymentRecord | None,
) -> dict[str, Any]:
    """The attribution fields a newly paid `sale` changes (a model_copy update): the latest payment (an
    older invoice delivered late keeps the newer one), the masked email, and whether the sale is already
    taken back (a refund that arrived before the payment)."""
    update: dict[str, Any] = {"email_masked": masked(email) or binding.email_masked}
    paid_at = sale.paid_at
    if paid_at is not None and (binding.last_paid_at is None or paid_at >= binding.last_paid_at):
        update.update(last_paid_at=paid_at, last_sale_id=sale.sale_id)
    if payment is not None:
        update["reversed_sales"] = with_reversal(binding, sale.sale_id, taken_back(sale, payment))
    return update


def view(binding: CustomerAttribution) -> dict[str, Any]:
    """One customer as its partner sees it (no Stripe id, no address: the masked email only)."""
    return {
        "email_masked": binding.email_masked,
        "status": status_of(binding).value,
        "attributed_at": binding.attributed_at,
        "first_paid_at": binding.first_paid_at,
        "last_paid_at": binding.last_paid_at or binding.first_paid_at,
        "paid_sales": binding.paid_sales,
        "link_code": binding.link_code,
        "source": binding.source.value,
    }


# ---------------------------------------------------------------- service
def refund_marks(ctx: AppContext, sale: SaleRecord, payment: PaymentRecord) -> list[tuple[CustomerAttribution, int]]:
    """The versioned attribution change a refund or dispute of a paid sale brings (for the same LedgerWrite),
    or nothing when the customer's status does not move. One consistent GetItem."""
    if not sale.paid or not sale.customer_id:
        return []
    binding = ctx.commissions.find_attribution(sale.customer_id)
    if binding is None:
        return []
    reversed_sales = with_reversal(binding, sale.sale_id, taken_back(sale, payment))
    if reversed_sales == binding.reversed_sales:
        return []
    updated = binding.model_copy(update={"reversed_sales": reversed_sales, "version": binding.version + 1})
    return [(updated, binding.version)]


def partner_customers(
    ctx: AppContext, partner_id: str, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a partner's referred customers, most recently attributed first (one GSI1 Query), and the
    next page's cursor. Only this partner's: the partition is its own."""
    start = decode_cursor(cursor, expected_keys=CURSOR_KEYS)
    if start is not None and start.get("gsi1pk") != {"S": keys.customer_partner_partition(partner_id)}:
        # Another partner's cursor (or a forged one) would start DynamoDB in another partition: refused.
        raise BadRequest("the cursor is not one this API issued", code="invalid_cursor")
    bindings, last = ctx.commissions.list_customers(partner_id, limit=limit, start_key=start)
    return [view(b) for b in bindings if b.partner_id == partner_id], encode_cursor(last)


def backfill_listing(ctx: AppContext) -> int:
    """Give attributions written before the Customers page existed their GSI1 keys (each only while still at
    the version read; a concurrent change writes them itself). Returns how many were set."""
    return sum(ctx.commissions.set_customer_listing(b) for b in ctx.commissions.unlisted_attributions())


if __name__ == "__main__":  # python -m shared.commissions.customers: the one-off backfill, with the stack's settings
    print(json.dumps({"customers_listed": backfill_listing(AppContext.from_env())}))
