"""docs/status-policy.md, the Checkout, invoice and customer-lock cells, through signed Stripe deliveries on
DynamoDB Local: a paused link's ref and a paused partner's click token earn nothing, a paused partner's
recurring commission waits in review, a terminated partner earns nothing and its customer is released."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.context import AppContext
from shared.links import click_token
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_link, given_partner, given_plan, given_program
from tests.helpers.webhooks import deliver

pytestmark = pytest.mark.integration

CLICKED = int(datetime(2026, 11, 1, 9, 0, tzinfo=UTC).timestamp())  # the day before the clock fixture


def partner_with_link(api: ApiClient, email: str, code: str, **fields: Any) -> dict[str, Any]:
    partner = given_partner(api, email=email, **fields)
    given_link(api, partner["partner_id"], code=code)
    return {
        **partner,
        "code": code,
        "token": click_token.issue("test-click-token-secret", code, partner["partner_id"], CLICKED),
    }


def set_partner(api: ApiClient, partner: dict[str, Any], status: str) -> None:
    response = api.post(f"/admin/partners/{partner['partner_id']}/status", json={"status": status}, headers=ADMIN)
    assert response.status == 200, response.body


def checkout(api: ApiClient, customer: str, *, token: str | None = None, ref: str | None = None) -> None:
    session = sp.checkout_session(
        customer=customer, client_reference_id=token, metadata={"ref": ref} if ref else None, subscription="sub_1"
    )
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200


def owner(ctx: AppContext, customer: str) -> str | None:
    binding = ctx.commissions.find_attribution(customer)
    return binding.partner_id if binding else None


def commissions_of(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    listed = api.get("/admin/commissions", headers=ADMIN, query={"partner_id": partner["partner_id"]})
    assert listed.status == 200, listed.body
    return list(listed.json["items"])


@pytest.mark.parametrize("link_state", ["paused", "expired"])
def test_a_checkout_ref_of_a_paused_or_expired_link_attributes_nothing(
    api: ApiClient, ctx: AppContext, link_state: str
) -> None:
    # Given Ada's link, paused or expired
    given_program(api)
    ada = partner_with_link(api, "ada@partner.example", "ada-link")
    api.request("PATCH", "/admin/links/ada-link", json_body={"status": link_state}, headers=ADMIN)
    # When a Checkout carries its ref
    checkout(api, "cus_ref", ref="ada-link")
    # Then the customer is nobody's
    assert owner(ctx, "cus_ref") is None
    assert ada["partner_id"]


@pytest.mark.parametrize("partner_status", ["paused", "terminated"])
def test_a_click_token_of_a_partner_no_longer_active_attributes_nothing(
    api: ApiClient, ctx: AppContext, partner_status: str
) -> None:
    # Given Ada's click token, then Ada paused or terminated
    given_program(api)
    ada = partner_with_link(api, "ada@partner.example", "ada-link")
    set_partner(api, ada, partner_status)
    # When the Checkout carries the token, or the ref
    checkout(api, "cus_token", token=ada["token"])
    checkout(api, "cus_ref", ref="ada-link")
    # Then neither customer is hers
    assert owner(ctx, "cus_token") is None and owner(ctx, "cus_ref") is None


def test_a_click_token_whose_link_was_paused_attributes_nothing(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    ada = partner_with_link(api, "ada@partner.example", "ada-link")
    api.request("PATCH", "/admin/links/ada-link", json_body={"status": "paused"}, headers=ADMIN)
    checkout(api, "cus_token", token=ada["token"])
    assert owner(ctx, "cus_token") is None


def test_a_terminated_partners_customer_is_released_despite_the_lock(api: ApiClient, ctx: AppContext) -> None:
    # Given a program that locks customers, and Ada's customer
    given_program(api, lock_customer_to_partner=True)
    ada = partner_with_link(api, "ada@partner.example", "ada-link")
    bob = partner_with_link(api, "bob@partner.example", "bob-link")
    checkout(api, "cus_1", token=ada["token"])
    assert owner(ctx, "cus_1") == ada["partner_id"]
    # When Ada is terminated and the customer later checks out through Bob
    set_partner(api, ada, "terminated")
    checkout(api, "cus_1", token=bob["token"])
    # Then the lock did not hold for Ada: the customer is Bob's
    assert owner(ctx, "cus_1") == bob["partner_id"]


@pytest.mark.parametrize(("partner_status", "expected"), [("paused", ["needs_review"]), ("terminated", [])])
def test_a_recurring_invoice_of_a_partner_no_longer_active(
    api: ApiClient, ctx: AppContext, partner_status: str, expected: list[str]
) -> None:
    # Given Ada's subscribed customer (under the program's default plan), then Ada paused or terminated
    given_program(api)
    ada = partner_with_link(api, "ada@partner.example", "ada-link", plan_id=given_plan(api)["plan_id"])
    checkout(api, "cus_1", token=ada["token"])
    set_partner(api, ada, partner_status)
    # When the customer's invoice is paid
    invoice = sp.invoice(customer="cus_1", subscription="sub_1", amount_paid=10000)
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    payment = sp.invoice_payment(invoice_id=invoice["id"], payment_intent="pi_1", amount=10000)
    assert deliver(api, sp.event("invoice_payment.paid", payment)).status == 200
    # Then a paused partner's commission waits in review; a terminated partner earns nothing
    assert [c["status"] for c in commissions_of(api, ada)] == expected
