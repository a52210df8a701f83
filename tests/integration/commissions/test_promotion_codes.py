"""Promotion-code attribution: a code staff assigned to a partner binds the customer of a Checkout session or
invoice whose discount uses it; a click token or an explicit ref wins over it (through the real handlers).
Discount shapes follow Stripe's published fixtures: a Checkout session's `discounts` is
`[{"coupon": ..., "promotion_code": "promo_..."}]`, an expanded invoice discount a `discount` object whose
`promotion_code` is an id or the expanded `promotion_code` object (with `code`)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.context import AppContext
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_api_key, given_partner, given_plan, given_program, partner_headers
from tests.helpers.webhooks import click, deliver

PROMO_ID = "promo_1Pgc79B7WZ01zgkWNy4mn5NX"


@pytest.fixture
def partners(api: ApiClient) -> tuple[dict[str, Any], dict[str, Any]]:
    given_program(api)
    plan = given_plan(api, sale_rate="0.2")
    ada = given_partner(api, plan_id=plan["plan_id"])
    bob = given_partner(api, email="bob@partner.example", plan_id=plan["plan_id"])
    return ada, bob


def assign(api: ApiClient, partner: dict[str, Any], code: str) -> Any:
    return api.post(f"/admin/partners/{partner['partner_id']}/promotion-codes", json={"code": code}, headers=ADMIN)


def session_with_code(customer: str, **fields: Any) -> dict[str, Any]:
    session = sp.checkout_session(customer=customer, mode="payment", payment_intent=f"pi_{customer}", **fields)
    session["discounts"] = [{"coupon": None, "promotion_code": PROMO_ID}]
    return session


def test_a_checkout_using_an_assigned_code_binds_its_partner_and_a_click_wins_over_it(
    api: ApiClient, ctx: AppContext, partners: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    ada, bob = partners
    # Given Ada's promotion code (staff assign it twice: no change), listed to her
    assert assign(api, ada, PROMO_ID).status == 201
    assert assign(api, ada, PROMO_ID).status == 200
    assert assign(api, bob, PROMO_ID).status == 409
    own = api.get("/partner/promotion-codes", headers=partner_headers(given_api_key(api, ada["partner_id"])))
    assert [c["code"] for c in own.json["items"]] == [PROMO_ID]

    # When a customer pays with the code only, and another with the code after clicking Bob's link
    deliver(api, sp.event("checkout.session.completed", session_with_code("cus_code")))
    clicked = session_with_code("cus_click", client_reference_id=click(bob, api))
    deliver(api, sp.event("checkout.session.completed", clicked))

    # Then the first is Ada's customer (source promotion_code), the second Bob's (the click wins)
    first, second = ctx.commissions.find_attribution("cus_code"), ctx.commissions.find_attribution("cus_click")
    assert first is not None and (first.partner_id, first.source.value) == (ada["partner_id"], "promotion_code")
    assert second is not None and (second.partner_id, second.source.value) == (bob["partner_id"], "click_token")
    assert [e.amount.amount for e in ctx.commissions.all_for_partner(ada["partner_id"])] == [2000]


def test_an_invoice_whose_expanded_discount_uses_a_code_text_earns_the_codes_partner(
    api: ApiClient, ctx: AppContext, partners: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    ada, _ = partners
    assert assign(api, ada, "fall20").status == 201  # code texts are case-insensitive
    invoice = sp.invoice(customer="cus_podcast", subscription="sub_p")
    invoice["discounts"] = [
        {"id": "di_1", "object": "discount", "promotion_code": {"id": "promo_x", "code": "FALL20"}},
    ]
    paid = deliver(api, sp.event("invoice.paid", invoice))
    assert paid.json["outcome"] == "applied", paid.body
    binding = ctx.commissions.find_attribution("cus_podcast")
    assert binding is not None and (binding.partner_id, binding.source.value) == (ada["partner_id"], "promotion_code")
