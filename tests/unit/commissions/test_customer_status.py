"""What a partner reads about a referred customer: the masked email, the latest payment and the status."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.commissions import customers
from shared.commissions.models import AttributionSource, CustomerAttribution, PaymentRecord, SaleRecord
from shared.core.money import Money

OCT = datetime(2026, 10, 1, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def binding(**fields: object) -> CustomerAttribution:
    return CustomerAttribution.model_validate(
        {
            "stripe_customer_id": "cus_1", "partner_id": "ptr_1", "program_id": "default",
            "source": AttributionSource.REF_CODE, "touched_at": OCT, "attributed_at": OCT, **fields,
        }
    )  # fmt: skip


def sale(sale_id: str, paid_at: datetime, amount: int = 10000) -> SaleRecord:
    return SaleRecord(
        sale_id=sale_id, program_id="default", paid=True, amount_paid=Money.of(amount, "USD"), paid_at=paid_at
    )


def test_the_email_is_masked_like_a_leads() -> None:
    assert customers.masked(" Paula@Customer.example ") == "p***@customer.example"
    assert customers.masked(None) is None and customers.masked("no-at-sign") is None


def test_a_customer_is_active_until_cancelled_after_its_last_payment_or_refunded_in_full() -> None:
    assert customers.status_of(binding()).value == "active"  # bound, not paid yet
    paid = binding(last_paid_at=OCT, last_sale_id="in_1")
    assert customers.status_of(paid).value == "active"
    assert customers.status_of(paid.model_copy(update={"cancelled_subscriptions": {"sub_1": NOV}})).value == "cancelled"
    # a payment after the cancellation (a new subscription) makes it active again
    later = binding(last_paid_at=NOV, last_sale_id="in_2", cancelled_subscriptions={"sub_1": OCT})
    assert customers.status_of(later).value == "active"
    assert customers.status_of(paid.model_copy(update={"reversed_sales": ["in_1"]})).value == "refunded"
    # an older sale refunded does not make a customer who paid since "refunded"
    assert customers.status_of(later.model_copy(update={"reversed_sales": ["in_1"]})).value == "active"


def test_only_a_full_refund_or_a_lost_dispute_takes_a_sale_back() -> None:
    paid = sale("in_1", OCT)
    assert not customers.taken_back(paid, PaymentRecord(payment_id="pi_1", refunds={"re_1": 4000}))
    assert customers.taken_back(paid, PaymentRecord(payment_id="pi_1", refunds={"re_1": 4000, "re_2": 6000}))
    assert customers.taken_back(paid, PaymentRecord(payment_id="pi_1", charge_refunded=10000))
    assert customers.taken_back(paid, PaymentRecord(payment_id="pi_1", disputes={"dp_1": "lost"}))
    assert not customers.taken_back(paid, PaymentRecord(payment_id="pi_1", disputes={"dp_1": "needs_response"}))
    assert not customers.taken_back(paid, None)


def test_an_older_invoice_delivered_late_keeps_the_newer_last_payment() -> None:
    current = binding(last_paid_at=NOV, last_sale_id="in_2", email_masked="p***@customer.example")
    update = customers.after_payment(current, sale("in_1", OCT), None, None)
    assert "last_paid_at" not in update and update["email_masked"] == "p***@customer.example"
    newer = customers.after_payment(binding(), sale("in_3", NOV), "Rita@customer.example", None)
    assert newer == {"email_masked": "r***@customer.example", "last_paid_at": NOV, "last_sale_id": "in_3"}
    refunded_first = customers.after_payment(
        binding(), sale("in_4", NOV), None, PaymentRecord(payment_id="pi_4", refunds={"re_1": 10000})
    )
    assert refunded_first["reversed_sales"] == ["in_4"]
