"""Stripe webhook steps shared by the ledger tests: sign and deliver an event, click, subscribe, pay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.links import click_token
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient, ApiResponse
from tests.helpers.factories import given_link


def deliver(api: ApiClient, stripe_event: dict[str, Any], container: int = 0) -> ApiResponse:
    """Stripe posts one signed event (to Lambda container `container`: distinct ones run concurrently)."""
    body, headers = sp.signed(stripe_event)
    return api.request("POST", "/webhooks/stripe", body=body, headers=headers, container=container)


def click(partner: dict[str, Any], api: ApiClient) -> str:
    link = given_link(api, partner["partner_id"])
    clicked_at = int(datetime(2026, 11, 1, 9, 0, tzinfo=UTC).timestamp())  # the day before the clock fixture
    return click_token.issue("test-click-token-secret", link["code"], partner["partner_id"], clicked_at)


def subscribe(api: ApiClient, partner: dict[str, Any], customer: str) -> None:
    token = click(partner, api)
    session = sp.checkout_session(customer=customer, client_reference_id=token, subscription="sub_1")
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200


def paid_invoice(api: ApiClient, partner: dict[str, Any], customer: str, pi: str, amount: int = 10000) -> str:
    subscribe(api, partner, customer)
    invoice = sp.invoice(customer=customer, subscription="sub_1", amount_paid=amount)
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    link = sp.invoice_payment(invoice_id=invoice["id"], payment_intent=pi, amount=amount)
    assert deliver(api, sp.event("invoice_payment.paid", link)).status == 200
    return str(invoice["id"])
