"""Stripe payload factories in the shapes Stripe sends (API 2025-03-31.basil and later; compared with
Stripe's published fixtures in tests/unit/test_stripe_payloads.py), signed with the stripe library's helper.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import stripe

API_VERSION = "2025-03-31.basil"
SECRET = "whsec_test_secret"  # tests/conftest.py sets STRIPE_WEBHOOK_SECRET to this
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """A Stripe-looking id unique in the test session."""
    return f"{prefix}_test{next(_ids):08d}"


def event(
    event_type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int = 1793613600
) -> dict[str, Any]:
    """An event envelope as Stripe posts it to a webhook endpoint."""
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def checkout_session(
    *,
    customer: str,
    mode: str = "subscription",
    client_reference_id: str | None = None,
    metadata: dict[str, str] | None = None,
    email: str = "buyer@customer.example",
    amount_total: int = 10000,
    amount_tax: int = 0,
    currency: str = "usd",
    payment_intent: str | None = None,
    subscription: str | None = None,
    session_id: str | None = None,
) -> dict[str, Any]:
    """A completed checkout.session (payment mode carries the amounts; subscription mode a subscription)."""
    return {
        "id": session_id or new_id("cs_test"),
        "object": "checkout.session",
        "amount_subtotal": amount_total - amount_tax,
        "amount_total": amount_total,
        "client_reference_id": client_reference_id,
        "created": 1793613000,
        "currency": currency,
        "customer": customer,
        "customer_creation": "always",
        "customer_details": {"email": email, "name": "Buyer", "phone": None, "tax_exempt": "none", "tax_ids": []},
        "customer_email": None,
        "invoice": None,
        "livemode": False,
        "metadata": metadata or {},
        "mode": mode,
        "payment_intent": payment_intent if mode == "payment" else None,
        "payment_status": "paid",
        "status": "complete",
        "subscription": subscription if mode == "subscription" else None,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": amount_tax},
    }


def invoice(
    *,
    customer: str,
    subscription: str | None,
    amount_paid: int = 10000,
    tax: int = 0,
    currency: str = "usd",
    billing_reason: str = "subscription_create",
    invoice_id: str | None = None,
    paid_at: int = 1793613600,
    payments: list[dict[str, Any]] | None = None,
    subscription_metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A paid invoice; the subscription (and the snapshot of its metadata) sits under
    parent.subscription_details, taxes in total_taxes."""
    inv_id = invoice_id or new_id("in")
    body: dict[str, Any] = {
        "id": inv_id,
        "object": "invoice",
        "amount_due": amount_paid,
        "amount_paid": amount_paid,
        "amount_remaining": 0,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": paid_at - 60,
        "currency": currency,
        "customer": customer,
        "customer_email": "buyer@customer.example",
        "lines": {"object": "list", "data": [], "has_more": False, "url": f"/v1/invoices/{inv_id}/lines"},
        "livemode": False,
        "metadata": {},
        "parent": (
            {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {"metadata": subscription_metadata or {}, "subscription": subscription},
            }
            if subscription
            else None
        ),
        "status": "paid",
        "status_transitions": {
            "finalized_at": paid_at - 60,
            "marked_uncollectible_at": None,
            "paid_at": paid_at,
            "voided_at": None,
        },
        "subtotal": amount_paid - tax,
        "subtotal_excluding_tax": amount_paid - tax,
        "total": amount_paid,
        "total_excluding_tax": amount_paid - tax,
        "total_taxes": [
            {
                "amount": tax,
                "tax_behavior": "exclusive",
                "tax_rate_details": {"tax_rate": "txr_test"},
                "taxability_reason": "standard_rated",
                "taxable_amount": amount_paid - tax,
                "type": "tax_rate_details",
            }
        ]
        if tax
        else [],
    }
    if payments is not None:
        body["payments"] = {"object": "list", "data": payments, "has_more": False, "url": "/v1/invoice_payments"}
    return body


def invoice_payment(
    *, invoice_id: str, payment_intent: str, amount: int = 10000, currency: str = "usd"
) -> dict[str, Any]:
    """The invoice_payment linking an invoice to the payment_intent that paid it."""
    return {
        "id": new_id("inpay"),
        "object": "invoice_payment",
        "amount_paid": amount,
        "amount_requested": amount,
        "created": 1793613600,
        "currency": currency,
        "invoice": invoice_id,
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": payment_intent},
        "status": "paid",
        "status_transitions": {"canceled_at": None, "paid_at": 1793613600},
    }


def charge(
    *,
    payment_intent: str,
    amount: int = 10000,
    amount_refunded: int = 0,
    currency: str = "usd",
    charge_id: str | None = None,
    customer: str | None = None,
) -> dict[str, Any]:
    """A charge (charge.refunded carries the cumulative amount_refunded)."""
    ch_id = charge_id or new_id("ch")
    return {
        "id": ch_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "captured": True,
        "created": 1793613600,
        "currency": currency,
        "customer": customer,
        "disputed": False,
        "livemode": False,
        "metadata": {},
        "paid": True,
        "payment_intent": payment_intent,
        "refunded": amount_refunded >= amount,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{ch_id}/refunds"},
        "status": "succeeded",
    }


def refund(
    *,
    payment_intent: str,
    amount: int,
    charge_id: str = "ch_test",
    status: str = "succeeded",
    refund_id: str | None = None,
    currency: str = "usd",
) -> dict[str, Any]:
    """A refund object (refund.created / refund.updated)."""
    return {
        "id": refund_id or new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge_id,
        "created": 1793613600,
        "currency": currency,
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": "requested_by_customer",
        "status": status,
    }


def dispute(
    *,
    payment_intent: str,
    status: str,
    amount: int = 10000,
    dispute_id: str | None = None,
    charge_id: str = "ch_test",
    currency: str = "usd",
) -> dict[str, Any]:
    """A dispute (charge.dispute.created/closed)."""
    return {
        "id": dispute_id or new_id("dp"),
        "object": "dispute",
        "amount": amount,
        "charge": charge_id,
        "created": 1793613600,
        "currency": currency,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": "fraudulent",
        "status": status,
    }


def subscription_deleted(*, subscription: str, customer: str) -> dict[str, Any]:
    """A cancelled subscription (customer.subscription.deleted)."""
    return {
        "id": subscription,
        "object": "subscription",
        "customer": customer,
        "status": "canceled",
        "canceled_at": 1793613600,
        "ended_at": 1793613600,
    }


def signed(
    stripe_event: dict[str, Any], *, secret: str = SECRET, timestamp: int | None = None
) -> tuple[str, dict[str, str]]:
    """(raw body, headers) with a Stripe-Signature made by stripe.WebhookSignature.generate_signature_header."""
    payload = json.dumps(stripe_event)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp if timestamp is not None else int(time.time())
    )
    return payload, {"stripe-signature": header, "content-type": "application/json"}


def api_gateway_event(body: str, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway HTTP API (v2) event of Stripe posting `body` to /webhooks/stripe."""
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/stripe",
        "rawPath": "/webhooks/stripe",
        "rawQueryString": "",
        "headers": {
            "host": "127.0.0.1:3000",
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            **headers,
        },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "127.0.0.1:3000",
            "domainPrefix": "local",
            "http": {
                "method": "POST",
                "path": "/webhooks/stripe",
                "protocol": "HTTP/1.1",
                "sourceIp": "3.18.12.63",
                "userAgent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "POST /webhooks/stripe",
            "stage": "$default",
            "time": "23/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795428000000,
        },
        "isBase64Encoded": False,
        "body": body,
    }


EVENT_SOURCE = "aws.partner/stripe.com/ed_test_61TestDestination00000000000000"


def eventbridge_event(
    stripe_event: dict[str, Any], *, source: str = EVENT_SOURCE, delivery_id: str | None = None
) -> dict[str, Any]:
    """The EventBridge event a Stripe event destination delivers: the Stripe event (snapshot) as `detail`, its
    type as `detail-type`, the partner event source as `source`; no signature (AWS delivers it)."""
    return {
        "version": "0",
        "id": delivery_id or f"5f1c8e2a-0c4b-4e61-9d55-{next(_ids):012d}",
        "detail-type": stripe_event["type"],
        "source": source,
        "account": "123456789012",
        "time": "2026-11-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": stripe_event,
    }


def resign(gateway_event: dict[str, Any], secret: str = SECRET) -> dict[str, Any]:
    """The same sample event with a fresh Stripe-Signature (samples are signed once and go stale in 300 s)."""
    header = stripe.WebhookSignature.generate_signature_header(
        gateway_event["body"], secret, timestamp=int(time.time())
    )
    return {**gateway_event, "headers": {**gateway_event["headers"], "stripe-signature": header}}


def write_samples(directory: str) -> None:
    """Write events/stripe_webhook_*.json (python -c 'from tests.helpers.stripe_payloads import write_samples;
    write_samples("events")'): a customer referred by link `demo` subscribes, pays, is refunded in part,
    disputes and loses; plus an ignored type. Signed with the local .env secret at a fixed past time."""
    import pathlib

    secret, signed_at = "whsec_local_development_secret", 1795428000
    samples = {
        "checkout_completed": event(
            "checkout.session.completed",
            checkout_session(
                customer="cus_Sample01",
                metadata={"ref": "demo"},
                session_id="cs_test_Sample01",
                subscription="sub_Sample01",
            ),
            event_id="evt_Sample01",
        ),
        "invoice_paid": event(
            "invoice.paid",
            invoice(
                customer="cus_Sample01",
                subscription="sub_Sample01",
                amount_paid=11900,
                tax=1900,
                invoice_id="in_Sample01",
            ),
            event_id="evt_Sample02",
        ),
        "invoice_payment_paid": event(
            "invoice_payment.paid",
            invoice_payment(invoice_id="in_Sample01", payment_intent="pi_Sample01", amount=11900),
            event_id="evt_Sample03",
        ),
        "refund_created": event(
            "refund.created",
            refund(payment_intent="pi_Sample01", amount=5950, refund_id="re_Sample01", charge_id="ch_Sample01"),
            event_id="evt_Sample04",
        ),
        "dispute_closed_lost": event(
            "charge.dispute.closed",
            dispute(
                payment_intent="pi_Sample01",
                status="lost",
                dispute_id="dp_Sample01",
                charge_id="ch_Sample01",
                amount=5950,
            ),
            event_id="evt_Sample05",
        ),
        "ignored_type": event(
            "customer.created", {"id": "cus_Sample02", "object": "customer"}, event_id="evt_Sample06"
        ),
    }
    for name, stripe_event in samples.items():
        body = json.dumps(stripe_event, indent=1)
        header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=signed_at)
        gateway = api_gateway_event(body, {"content-type": "application/json", "stripe-signature": header})
        path = pathlib.Path(directory) / f"stripe_webhook_{name}.json"
        path.write_text(json.dumps(gateway, indent=2) + "\n")
