"""Self-purchase by the partner's own Stripe customer: staff record the partner's `cus_...` ids on its record
(PATCH /admin/partners/{id}); a sale to one of them waits in review as a self-referral, whatever the email."""

from __future__ import annotations

from typing import Any

import pytest

from shared.commissions import service as commissions
from shared.context import AppContext
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient, ApiResponse
from tests.helpers.factories import ADMIN, given_partner, given_plan, given_program
from tests.helpers.webhooks import click, deliver


@pytest.fixture
def partner(api: ApiClient) -> dict[str, Any]:
    given_program(api)
    plan = given_plan(api, sale_rate="0.2")
    return given_partner(api, email="ada@partner.example", plan_id=plan["plan_id"])


def buy(api: ApiClient, partner: dict[str, Any], customer: str, email: str = "billing@elsewhere.example") -> None:
    """The buyer clicks the partner's link and pays $100 in a payment-mode Checkout."""
    session = sp.checkout_session(
        customer=customer,
        client_reference_id=click(partner, api),
        email=email,
        mode="payment",
        amount_total=10000,
        payment_intent=f"pi_{customer}",
    )
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200


def update(api: ApiClient, partner_id: str, body: dict[str, Any]) -> ApiResponse:
    """Staff PATCH the partner record."""
    return api.request("PATCH", f"/admin/partners/{partner_id}", json_body=body, headers=ADMIN)


def entries(ctx: AppContext, partner_id: str) -> list[tuple[int, str, str | None]]:
    return [(e.amount.amount, e.status.value, e.review_reason) for e in ctx.commissions.all_for_partner(partner_id)]


def test_staff_set_the_partners_own_stripe_customers_and_a_purchase_by_one_waits_in_review(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given staff record Ada's own Stripe customer on her partner record
    pid = partner["partner_id"]
    updated = update(api, pid, {"stripe_customer_ids": ["cus_adaown"]})
    assert updated.status == 200, updated.body
    assert updated.json["stripe_customer_ids"] == ["cus_adaown"]
    # When that customer buys through Ada's link with an email that is neither hers nor her company's
    buy(api, partner, "cus_adaown")
    # Then the $20 commission waits in review as a self-referral, and nothing of it is payable
    [(amount, status, reason)] = entries(ctx, pid)
    assert (amount, status) == (2000, "needs_review")
    assert reason is not None and "self-referral" in reason and "cus_adaown" in reason
    balances = commissions.balances(ctx, pid)["USD"]
    assert (balances["unpaid"], balances["in_review"]) == (0, 2000)


def test_a_customer_bound_before_the_id_was_recorded_is_still_flagged_on_its_next_sale(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a customer bound to Ada while nobody knew it was hers, then recorded as hers by staff
    pid = partner["partner_id"]
    buy(api, partner, "cus_later")
    assert update(api, pid, {"stripe_customer_ids": ["cus_later"]}).status == 200
    # When that customer pays a $50 subscription invoice
    invoice = sp.invoice(customer="cus_later", subscription="sub_later", amount_paid=5000)
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    payment = sp.invoice_payment(invoice_id=invoice["id"], payment_intent="pi_later_2", amount=5000)
    assert deliver(api, sp.event("invoice_payment.paid", payment)).status == 200
    # Then the earlier sale stays as it was and the new one waits in review
    statuses = sorted((amount, status) for amount, status, _ in entries(ctx, pid))
    assert statuses == [(1000, "needs_review"), (2000, "pending")]


def test_another_customer_earns_as_usual(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    update(api, partner["partner_id"], {"stripe_customer_ids": ["cus_adaown"]})
    buy(api, partner, "cus_stranger")
    assert [(a, s) for a, s, _ in entries(ctx, partner["partner_id"])] == [(2000, "pending")]


@pytest.mark.parametrize(
    "body",
    [
        {"stripe_customer_ids": ["acct_123"]},
        {"stripe_customer_ids": ["cus_"]},
        {"stripe_customer_ids": "cus_123"},
        {"stripe_customer_ids": ["cus_1"] * 21},
        {"name": "Renamed"},
        {},
    ],
)
def test_only_stripe_customer_ids_are_accepted(api: ApiClient, partner: dict[str, Any], body: dict[str, Any]) -> None:
    response = update(api, partner["partner_id"], body)
    assert response.status == 422 and response.error_code == "validation_error"


def test_an_unknown_partner_is_404(api: ApiClient, partner: dict[str, Any]) -> None:
    response = update(api, "ptr_nobody", {"stripe_customer_ids": []})
    assert response.status == 404
