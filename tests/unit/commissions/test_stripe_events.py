"""Stripe objects -> business facts, and the payload factories checked against Stripe's published fixtures."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from shared.commissions.stripe_events import (
    CheckoutCompleted,
    DisputeFact,
    InvoicePaid,
    PaymentLinked,
    RefundFact,
    UnusableEvent,
    parse_event,
)
from shared.core.money import Money
from tests.helpers import stripe_payloads as sp

FIXTURES = pathlib.Path(__file__).resolve().parents[4] / "shared" / "stripe" / "fixtures3.json"


def test_invoice_paid_reads_the_basil_shape() -> None:
    invoice = sp.invoice(
        customer="cus_1",
        subscription="sub_1",
        amount_paid=12000,
        tax=2000,
        billing_reason="subscription_cycle",
        payments=[sp.invoice_payment(invoice_id="in_x", payment_intent="pi_1")],
    )
    fact = parse_event(sp.event("invoice.paid", invoice))
    assert isinstance(fact, InvoicePaid)
    assert fact.subscription_id == "sub_1" and fact.billing_reason == "subscription_cycle"
    assert fact.amount_paid == Money.of(12000, "USD") and fact.net == Money.of(10000, "USD")
    assert fact.payment_ids == ("pi_1",) and not fact.out_of_band


def test_an_invoice_carries_the_click_token_of_its_subscriptions_metadata() -> None:
    hinted = sp.invoice(customer="cus_1", subscription="sub_1", subscription_metadata={"click_id": "c1_token"})
    fact = parse_event(sp.event("invoice.paid", hinted))
    assert isinstance(fact, InvoicePaid) and fact.click_id == "c1_token"
    for metadata in ({}, {"click_id": ""}, {"other": "c1_token"}):
        plain = parse_event(
            sp.event("invoice.paid", sp.invoice(customer="c", subscription="s", subscription_metadata=metadata))
        )
        assert isinstance(plain, InvoicePaid) and plain.click_id is None


def test_tax_falls_back_to_total_minus_total_excluding_tax() -> None:
    invoice = sp.invoice(customer="cus_1", subscription="sub_1", amount_paid=1190)
    invoice.update(total_taxes=None, total=1190, total_excluding_tax=1000)
    fact = parse_event(sp.event("invoice.paid", invoice))
    assert isinstance(fact, InvoicePaid) and fact.net.amount == 1000


def test_checkout_payment_mode_carries_the_sale() -> None:
    session = sp.checkout_session(
        customer="cus_1",
        mode="payment",
        amount_total=5000,
        amount_tax=500,
        payment_intent="pi_9",
        metadata={"ref": "acme"},
    )
    fact = parse_event(sp.event("checkout.session.completed", session))
    assert isinstance(fact, CheckoutCompleted)
    assert (fact.net, fact.payment_intent_id, fact.ref_code) == (Money.of(4500, "USD"), "pi_9", "acme")


def test_refunds_disputes_and_links() -> None:
    assert parse_event(
        sp.event("refund.updated", sp.refund(payment_intent="pi_1", amount=5, status="failed", refund_id="re_1"))
    ) == RefundFact("pi_1", "re_1", 5, False)
    charge = sp.charge(payment_intent="pi_1", amount_refunded=70)
    assert parse_event(sp.event("charge.refunded", charge)) == RefundFact("pi_1", None, 70, True)
    assert parse_event(
        sp.event("charge.dispute.closed", sp.dispute(payment_intent="pi_1", status="lost", dispute_id="dp_1"))
    ) == DisputeFact("pi_1", "dp_1", "lost")
    link = sp.invoice_payment(invoice_id="in_1", payment_intent="pi_1")
    assert parse_event(sp.event("invoice_payment.paid", link)) == PaymentLinked("in_1", "pi_1")


def test_a_charge_without_payment_intent_is_known_by_its_id() -> None:
    charge = sp.charge(payment_intent="", charge_id="ch_legacy", amount_refunded=1)
    charge["payment_intent"] = None
    fact = parse_event(sp.event("charge.refunded", charge))
    assert isinstance(fact, RefundFact) and fact.payment_id == "ch_legacy"


def test_unused_types_and_unusable_events() -> None:
    assert parse_event(sp.event("customer.created", {"id": "cus_1"})) is None
    with pytest.raises(UnusableEvent):
        parse_event(sp.event("invoice.paid", {"id": "in_1", "currency": "usd"}))
    with pytest.raises(UnusableEvent):
        parse_event({"id": "evt_1", "type": "invoice.paid", "data": {}})


def _fixture(name: str) -> dict[str, Any]:
    data = json.loads(FIXTURES.read_text())
    return dict(data.get("resources", data)[name])


@pytest.mark.skipif(not FIXTURES.exists(), reason="Stripe's fixtures3.json is only in the maintainers' checkout")
@pytest.mark.parametrize(
    ("resource", "factory"),
    [
        ("invoice", lambda: sp.invoice(customer="cus_1", subscription="sub_1", tax=10)),
        ("checkout.session", lambda: sp.checkout_session(customer="cus_1")),
        ("invoice_payment", lambda: sp.invoice_payment(invoice_id="in_1", payment_intent="pi_1")),
        ("charge", lambda: sp.charge(payment_intent="pi_1")),
        ("refund", lambda: sp.refund(payment_intent="pi_1", amount=1)),
        ("dispute", lambda: sp.dispute(payment_intent="pi_1", status="won")),
        ("event", lambda: sp.event("invoice.paid", {"id": "in_1"})),
    ],
)
def test_factories_use_only_fields_stripe_sends(resource: str, factory: Any) -> None:
    # Given Stripe's own example of the resource, When a factory builds one, Then every field it sets
    # (and the nesting of the ones the ledger reads) exists in Stripe's shape
    reference, ours = _fixture(resource), factory()
    assert set(ours) - set(reference) - {"payments"} == set()  # invoice.payments: an includable expansion
    if resource == "invoice":
        assert "subscription" in reference["parent"]["subscription_details"]
        assert set(ours["total_taxes"][0]) <= {
            "amount",
            "tax_behavior",
            "tax_rate_details",
            "taxability_reason",
            "taxable_amount",
            "type",
        }
        assert set(ours["status_transitions"]) == set(reference["status_transitions"])
    if resource == "invoice_payment":
        assert set(ours["payment"]) - {"payment_intent", "charge"} == set(reference["payment"])


def test_promotion_codes_are_read_from_every_discount_shape() -> None:
    from shared.commissions.stripe_events import promotion_codes

    # A Checkout session's discounts, an invoice's expanded discounts, unexpanded ids and junk
    assert promotion_codes([{"coupon": None, "promotion_code": "promo_1"}]) == ("promo_1",)
    assert promotion_codes([{"object": "discount", "promotion_code": {"id": "promo_2", "code": "FALL20"}}]) == (
        "promo_2",
        "FALL20",
    )
    assert promotion_codes(["di_1", {"coupon": "co_1", "promotion_code": None}, 3]) == ()
    assert promotion_codes(None) == ()
