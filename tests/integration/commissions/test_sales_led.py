"""Sales-led attribution: a partner's lead closed by sales with a Stripe invoice (no Checkout) is matched by
the customer's email, bound to the lead's partner and commissioned; the lead converts on the first payment."""

from __future__ import annotations

from typing import Any

import pytest

from shared.context import AppContext
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import (
    ADMIN,
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
    return given_partner(api, plan_id=plan["plan_id"])


def submit_lead(api: ApiClient, partner: dict[str, Any], email: str) -> dict[str, Any]:
    headers = partner_headers(given_api_key(api, partner["partner_id"]))
    response = api.post("/partner/leads", json={"email": email, "name": "Grace"}, headers=headers)
    assert response.status == 201, response.body
    return response.json  # type: ignore[no-any-return]


def invoice_for(customer: str, email: str, amount: int = 10000) -> dict[str, Any]:
    body = sp.invoice(customer=customer, subscription="sub_sales", amount_paid=amount)
    body["customer_email"] = email
    return body


def test_a_partners_lead_closed_by_invoice_earns_its_commission_and_reversal(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a partner's lead that sales closes with a Stripe invoice (no Checkout)
    lead = submit_lead(api, partner, "grace@bigco.example")
    invoice = invoice_for("cus_sales", "Grace@BigCo.example")

    # When the invoice is paid, and later a quarter of it is refunded
    paid = deliver(api, sp.event("invoice.paid", invoice))
    link = sp.invoice_payment(invoice_id=invoice["id"], payment_intent="pi_sales", amount=10000)
    deliver(api, sp.event("invoice_payment.paid", link))
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_sales", amount=2500)))

    # Then the customer is bound to the lead's partner, which earns 20 % and its reversal
    assert paid.status == 200 and paid.json["outcome"] == "applied", paid.body
    binding = ctx.commissions.find_attribution("cus_sales")
    assert binding is not None and (binding.partner_id, binding.source.value) == (partner["partner_id"], "lead")
    assert binding.lead_id == lead["lead_id"]
    amounts = sorted(
        e.amount.amount for e in ctx.commissions.all_for_partner(partner["partner_id"]) if e.rule == "sale_rate"
    )
    assert amounts == [-500, 2000]
    # And the lead moved to converted on that first payment
    read = api.get(f"/admin/leads/{lead['lead_id']}", headers=ADMIN)
    assert read.status == 200 and read.json["status"] == "converted", read.body


def test_an_invoice_of_a_stranger_stays_parked(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    submit_lead(api, partner, "grace@bigco.example")
    paid = deliver(api, sp.event("invoice.paid", invoice_for("cus_stranger", "someone@else.example")))
    assert paid.json["outcome"] == "parked"
    assert ctx.commissions.find_attribution("cus_stranger") is None


def test_a_link_driven_leads_customer_converts_it_on_its_first_payment(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a lead, and its customer bound by a click on the partner's link at Checkout
    lead = submit_lead(api, partner, "grace@bigco.example")
    session = sp.checkout_session(
        customer="cus_link", client_reference_id=click(partner, api), subscription="sub_sales", email="x@y.example"
    )
    deliver(api, sp.event("checkout.session.completed", session))
    assert api.get(f"/admin/leads/{lead['lead_id']}", headers=ADMIN).json["status"] == "new"
    # When its first invoice is paid
    deliver(api, sp.event("invoice.paid", invoice_for("cus_link", "grace@bigco.example")))
    # Then the lead is converted
    assert api.get(f"/admin/leads/{lead['lead_id']}", headers=ADMIN).json["status"] == "converted"


def test_staff_attach_a_customer_and_its_parked_invoices_are_commissioned_then_a_move_is_explicit(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given an invoice of a customer nobody bound (no Checkout, no lead with its email): parked
    invoice = invoice_for("cus_manual", "cfo@bigco.example")
    assert deliver(api, sp.event("invoice.paid", invoice)).json["outcome"] == "parked"

    # When staff attach the customer to the partner, with a reason
    route = "/admin/customers/cus_manual/attribution"
    body = {"partner_id": partner["partner_id"], "reason": "deal closed by the partner's intro call"}
    attached = api.post(route, json=body, headers=ADMIN)

    # Then the binding says who and why, and the parked invoice earned its commission
    assert attached.status == 200 and attached.json["applied_invoices"] == 1, attached.body
    binding = attached.json["attribution"]
    assert (binding["source"], binding["attributed_by"]) == ("admin", "local-admin")
    assert binding["attribution_reason"] == "deal closed by the partner's intro call"
    assert [e.amount.amount for e in ctx.commissions.all_for_partner(partner["partner_id"])] == [2000]

    # When staff try to move the customer to another partner without saying so
    other = given_partner(api, email="bob@partner.example", plan_id=given_plan(api, sale_rate="0.1")["plan_id"])
    move = {"partner_id": other["partner_id"], "reason": "the deal was Bob's"}
    refused = api.post(route, json=move, headers=ADMIN)
    # Then it is refused; said explicitly, it moves, audited, and its next sale waits in review
    assert refused.status == 409 and refused.error_code == "customer_already_attributed", refused.body
    moved = api.post(route, json={**move, "reattribute": True}, headers=ADMIN)
    assert moved.status == 200 and moved.json["attribution"]["previous_partner_id"] == partner["partner_id"]
    renewal = sp.invoice(customer="cus_manual", subscription="sub_sales", billing_reason="subscription_cycle")
    deliver(api, sp.event("invoice.paid", renewal))
    [entry] = ctx.commissions.all_for_partner(other["partner_id"])
    assert (
        entry.amount.amount == 1000
        and entry.status.value == "needs_review"
        and "re-attributed" in (entry.review_reason or "")
    )


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "neither partner nor lead"},
        {"partner_id": "ptr_x", "lead_id": "lead_x", "reason": "both"},
        {"partner_id": "ptr_x"},
    ],
)
def test_a_bad_manual_attribution_is_a_4xx(api: ApiClient, partner: dict[str, Any], body: dict[str, Any]) -> None:
    response = api.post("/admin/customers/cus_bad/attribution", json=body, headers=ADMIN)
    assert 400 <= response.status < 500 and response.json["error"]["code"], response.body
