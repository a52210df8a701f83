"""Self-referral and the review queue: a partner buying through its own link earns nothing automatically; the
sale waits in `needs_review` until staff approve or reject it with a reason (through the real handlers)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.commissions import service as commissions
from shared.context import AppContext
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import (
    ADMIN,
    PROGRAM,
    given_api_key,
    given_partner,
    given_plan,
    given_program,
    partner_headers,
)
from tests.helpers.webhooks import click, deliver


@pytest.fixture
def partner(api: ApiClient) -> dict[str, Any]:
    given_program(api)
    plan = given_plan(api, sale_rate="0.2")
    return given_partner(api, email="Ada@Partner.example", company_domain="acme.example", plan_id=plan["plan_id"])


def buy(api: ApiClient, partner: dict[str, Any], customer: str, email: str, amount: int = 10000) -> str:
    """The buyer clicks the partner's link and pays a payment-mode Checkout with `email`: the session id."""
    session = sp.checkout_session(
        customer=customer,
        client_reference_id=click(partner, api),
        email=email,
        mode="payment",
        amount_total=amount,
        payment_intent=f"pi_{customer}",
    )
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200
    return str(session["id"])


def entries(ctx: AppContext, partner_id: str) -> list[tuple[int, str, str | None]]:
    return [(e.amount.amount, e.status.value, e.review_reason) for e in ctx.commissions.all_for_partner(partner_id)]


@pytest.mark.parametrize(
    ("email", "why"),
    [("ada@partner.example", "partner's own email"), ("cfo@billing.acme.example", "company domain acme.example")],
)
def test_a_partner_buying_through_its_own_link_earns_nothing_automatically(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any], email: str, why: str
) -> None:
    # Given Ada's link; When Ada (or someone at her company) buys through it for $100
    buy(api, partner, "cus_self", email)
    # Then the $20 commission waits in review with the reason, and nothing of it is payable
    [(amount, status, reason)] = entries(ctx, partner["partner_id"])
    assert (amount, status) == (2000, "needs_review") and reason is not None and why in reason
    balances = commissions.balances(ctx, partner["partner_id"])["USD"]
    assert (balances["unpaid"], balances["in_review"]) == (0, 2000)


def test_a_customer_with_another_email_earns_as_usual(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    buy(api, partner, "cus_other", "buyer@customer.example")
    assert [(a, s) for a, s, _ in entries(ctx, partner["partner_id"])] == [(2000, "pending")]


def test_staff_approve_or_reject_a_flagged_sale_and_the_partner_reads_the_reason(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given two self-purchases waiting in review
    pid = partner["partner_id"]
    buy(api, partner, "cus_a", "ada@partner.example")
    buy(api, partner, "cus_b", "ada@partner.example", amount=5000)
    queue = api.get("/admin/review", headers=ADMIN)
    assert queue.status == 200, queue.body
    waiting = {item["amount"]["amount"]: item for item in queue.json["items"]}
    assert sorted(waiting) == [1000, 2000] and all(i["status"] == "needs_review" for i in waiting.values())

    # When staff approve one and reject the other with a reason (a reject without one is refused)
    approve = api.post(f"/admin/review/{pid}/{waiting[2000]['commission_id']}/approve", json={}, headers=ADMIN)
    no_reason = api.post(f"/admin/review/{pid}/{waiting[1000]['commission_id']}/reject", json={}, headers=ADMIN)
    reject = api.post(
        f"/admin/review/{pid}/{waiting[1000]['commission_id']}/reject",
        json={"reason": "self-purchase: not eligible under the agreement"},
        headers=ADMIN,
    )

    # Then the approved one follows its hold as usual, the rejected one is voided and never paid
    assert approve.status == 200 and approve.json["stored_status"] == "pending", approve.body
    assert no_reason.status == 422
    assert reject.status == 200 and reject.json["stored_status"] == "voided", reject.body
    assert api.get("/admin/review", headers=ADMIN).json["items"] == []
    balances = commissions.balances(ctx, pid)["USD"]
    assert (balances["unpaid"], balances["in_review"]) == (2000, 0)
    # And a second decision on the same entry is refused
    again = api.post(f"/admin/review/{pid}/{waiting[2000]['commission_id']}/approve", json={}, headers=ADMIN)
    assert again.status == 409 and again.error_code == "commission_not_in_review"
    # And the partner reads the rejection's reason on its commissions
    own = api.get("/partner/commissions", headers=partner_headers(given_api_key(api, pid))).json["items"]
    rejected = next(c for c in own if c["commission_id"] == waiting[1000]["commission_id"])
    assert rejected["status"] == "voided" and rejected["note"] == "self-purchase: not eligible under the agreement"


def test_a_commission_above_the_programs_review_threshold_waits_for_staff(api: ApiClient, ctx: AppContext) -> None:
    # Given a program that reviews commissions above $50 (and above R$100 in BRL)
    given_program(api, review_above={"usd": 5000, "BRL": 10000})
    plan = given_plan(api, sale_rate="0.2")
    partner = given_partner(api, plan_id=plan["plan_id"])
    # When customers buy for $250 (commission $50, at the threshold) and $300 (commission $60)
    buy(api, partner, "cus_at", "one@customer.example", amount=25000)
    buy(api, partner, "cus_above", "two@customer.example", amount=30000)
    # Then only the one above it waits in review, with the reason
    by_amount = {amount: (status, reason) for amount, status, reason in entries(ctx, partner["partner_id"])}
    assert by_amount[5000] == ("pending", None)
    status, reason = by_amount[6000]
    assert status == "needs_review" and reason is not None and "review threshold" in reason


def test_a_review_threshold_must_be_a_positive_amount(api: ApiClient) -> None:
    response = api.put("/admin/program", json={**PROGRAM, "review_above": {"USD": -1}}, headers=ADMIN)
    assert response.status in (400, 422) and response.json["error"]["code"], response.body


def test_a_sale_in_a_currency_the_plan_does_not_price_earns_no_flat_amount_and_shows_in_review(
    api: ApiClient, ctx: AppContext
) -> None:
    # Given a plan paying $50 or EUR 45 on a customer's first sale
    given_program(api)
    plan = given_plan(
        api,
        sale_rate=None,
        first_sale_flat={"amount": 5000, "currency": "USD"},
        first_sale_flats=[{"amount": 4500, "currency": "EUR"}],
    )
    partner = given_partner(api, plan_id=plan["plan_id"])
    # When customers pay in EUR and in BRL
    for customer, currency in (("cus_eur", "eur"), ("cus_brl", "brl")):
        session = sp.checkout_session(
            customer=customer,
            client_reference_id=click(partner, api),
            mode="payment",
            currency=currency,
            payment_intent=f"pi_{customer}",
        )
        assert deliver(api, sp.event("checkout.session.completed", session)).status == 200
    # Then EUR earns EUR 45; BRL earns nothing, and staff see why in the review queue
    rows = {
        (e.amount.currency, e.amount.amount, e.status.value)
        for e in ctx.commissions.all_for_partner(partner["partner_id"])
    }
    assert rows == {("EUR", 4500, "pending"), ("BRL", 0, "needs_review")}
    [waiting] = api.get("/admin/review", headers=ADMIN).json["items"]
    assert "no first_sale_flat amount in BRL" in waiting["review_reason"]


def test_a_plan_names_one_flat_amount_per_currency(api: ApiClient) -> None:
    given_program(api)
    body = {
        "name": "Twice",
        "first_sale_flat": {"amount": 5000, "currency": "USD"},
        "first_sale_flats": [{"amount": 4000, "currency": "USD"}],
    }
    response = api.post("/admin/plans", json=body, headers=ADMIN)
    assert response.status == 400 and response.error_code == "invalid_plan", response.body
