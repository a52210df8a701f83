"""POST /webhooks/stripe end to end: signatures, attribution at checkout, commissions, refunds, disputes,
idempotency - through the real handler against DynamoDB Local."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.commissions import service as commissions
from shared.context import AppContext
from shared.core import keys
from shared.links import click_token
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import given_link, given_partner, given_plan, given_program
from tests.helpers.webhooks import click, deliver, paid_invoice, subscribe


def ledger(ctx: AppContext, partner_id: str) -> list[tuple[str, int, str | None, str]]:
    """(rule, amount, reverses, status) of every stored entry of a partner, in id order."""
    entries = ctx.commissions.all_for_partner(partner_id)
    return [(e.rule, e.amount.amount, e.reverses, e.status.value) for e in entries]


def balance(ctx: AppContext, partner_id: str) -> int:
    return sum(e.amount.amount for e in ctx.commissions.all_for_partner(partner_id) if e.status.value != "voided")


@pytest.fixture
def partner(api: ApiClient) -> dict[str, Any]:
    given_program(api)
    plan = given_plan(api, sale_rate="0.2")
    return given_partner(api, plan_id=plan["plan_id"])


# ---------------------------------------------------------------- signatures and shapes
def test_missing_forged_and_stale_signatures_are_400(api: ApiClient, partner: dict[str, Any]) -> None:
    body, headers = sp.signed(sp.event("invoice.paid", sp.invoice(customer="cus_x", subscription="sub_x")))
    assert api.request("POST", "/webhooks/stripe", body=body, headers={}).error_code == "missing_signature"
    forged_body, forged = sp.signed(sp.event("invoice.paid", {"id": "in_x"}), secret="whsec_wrong")
    assert api.request("POST", "/webhooks/stripe", body=forged_body, headers=forged).error_code == "invalid_signature"
    stale_body, stale = sp.signed(sp.event("invoice.paid", {"id": "in_x"}), timestamp=int(time.time()) - 301)
    response = api.request("POST", "/webhooks/stripe", body=stale_body, headers=stale)
    assert (response.status, response.error_code) == (400, "invalid_signature")
    tampered = body.replace("10000", "99999")
    assert api.request("POST", "/webhooks/stripe", body=tampered, headers=headers).status == 400


def test_malformed_json_with_a_valid_signature_is_400(api: ApiClient, partner: dict[str, Any]) -> None:
    import stripe

    header = stripe.WebhookSignature.generate_signature_header("{not json", sp.SECRET, timestamp=int(time.time()))
    response = api.request("POST", "/webhooks/stripe", body="{not json", headers={"stripe-signature": header})
    assert (response.status, response.error_code) == (400, "malformed_json")


def test_unused_event_types_are_acknowledged_and_ignored(api: ApiClient, partner: dict[str, Any]) -> None:
    response = deliver(api, sp.event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert (response.status, response.json["ignored"]) == (200, True)


# ---------------------------------------------------------------- sales
def test_subscription_checkout_binds_and_invoice_paid_pays_once(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a customer who came through the partner's link
    subscribe(api, partner, "cus_a")
    # When the first invoice is paid (10% tax) and Stripe delivers it twice, concurrently
    paid = sp.event("invoice.paid", sp.invoice(customer="cus_a", subscription="sub_1", amount_paid=11000, tax=1000))
    with ThreadPoolExecutor(2) as pool:
        statuses = [r.status for r in pool.map(lambda n: deliver(api, paid, container=n), range(2))]
    # Then one commission of 20% of the amount excluding tax exists
    assert statuses == [200, 200]
    assert ledger(ctx, partner["partner_id"]) == [("sale_rate", 2000, None, "pending")]
    stored = ctx.commissions.all_for_partner(partner["partner_id"])[0]
    assert stored.source.invoice_id == paid["data"]["object"]["id"]
    item = ctx.table.get(keys.commission(partner["partner_id"], stored.commission_id))
    assert item is not None and item["gsi2pk"].startswith("PAYABLE#")


def test_the_same_invoice_in_a_new_event_counts_once(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    subscribe(api, partner, "cus_b")
    invoice = sp.invoice(customer="cus_b", subscription="sub_1")
    assert deliver(api, sp.event("invoice.paid", invoice)).json["outcome"] == "applied"
    assert deliver(api, sp.event("invoice.paid", invoice)).json["outcome"] == "duplicate"
    assert balance(ctx, partner["partner_id"]) == 2000


def test_payment_mode_checkout_is_the_sale(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    token = click(partner, api)
    session = sp.checkout_session(
        customer="cus_p",
        mode="payment",
        client_reference_id=token,
        amount_total=5000,
        amount_tax=500,
        payment_intent="pi_p",
    )
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200
    # A one-off invoice Stripe created for that checkout pays nothing more
    deliver(api, sp.event("invoice.paid", sp.invoice(customer="cus_p", subscription=None, amount_paid=5000)))
    assert ledger(ctx, partner["partner_id"]) == [("sale_rate", 900, None, "pending")]


def test_out_of_band_and_zero_invoices_earn_nothing(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    subscribe(api, partner, "cus_c")
    zero = sp.invoice(customer="cus_c", subscription="sub_1", amount_paid=0)
    oob = sp.invoice(customer="cus_c", subscription="sub_1", amount_paid=5000)
    oob["paid_out_of_band"] = True
    assert deliver(api, sp.event("invoice.paid", zero)).json["outcome"] == "skipped"
    assert deliver(api, sp.event("invoice.paid", oob)).json["outcome"] == "skipped"
    assert ledger(ctx, partner["partner_id"]) == []


def test_invoice_before_its_checkout_is_parked_then_paid(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    paid = sp.event("invoice.paid", sp.invoice(customer="cus_d", subscription="sub_1"))
    assert deliver(api, paid).json["outcome"] == "parked"
    subscribe(api, partner, "cus_d")
    assert ledger(ctx, partner["partner_id"]) == [("sale_rate", 2000, None, "pending")]
    assert deliver(api, paid).json["outcome"] == "duplicate"


def test_unattributed_customer_earns_nothing(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    session = sp.checkout_session(customer="cus_n", email="nobody@customer.example")
    assert deliver(api, sp.event("checkout.session.completed", session)).json["outcome"] == "unattributed"


# ---------------------------------------------------------------- refunds and disputes
def test_partial_refunds_add_up_and_never_exceed(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    paid_invoice(api, partner, "cus_r", "pi_r", amount=9999)  # commission 2000 (1999.8 rounded)
    for amount in (3333, 3333):
        deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_r", amount=amount)))
    assert balance(ctx, partner["partner_id"]) == 2000 - 1333  # prorate(2000, 6666, 9999) = 1333.33 -> 1333
    # charge.refunded with the cumulative total describes the same money: no double count
    deliver(api, sp.event("charge.refunded", sp.charge(payment_intent="pi_r", amount=9999, amount_refunded=6666)))
    assert balance(ctx, partner["partner_id"]) == 667
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_r", amount=3333)))
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_r", amount=5000)))  # beyond: capped
    assert balance(ctx, partner["partner_id"]) == 0
    assert next(r for r in ledger(ctx, partner["partner_id"]) if r[2])[1] < 0


def test_refund_before_payment_is_applied_when_payment_arrives(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    assert (
        deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_e", amount=2500))).json["outcome"]
        == "stored"
    )
    paid_invoice(api, partner, "cus_e", "pi_e")
    assert balance(ctx, partner["partner_id"]) == 1500


def test_dispute_holds_then_lost_reverses(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    paid_invoice(api, partner, "cus_f", "pi_f")
    deliver(
        api,
        sp.event(
            "charge.dispute.created", sp.dispute(payment_intent="pi_f", status="needs_response", dispute_id="dp_f")
        ),
    )
    assert ledger(ctx, partner["partner_id"]) == [("sale_rate", 2000, None, "held")]
    item = ctx.commissions.all_for_partner(partner["partner_id"])[0]
    assert "gsi2pk" not in (ctx.table.get(keys.commission(partner["partner_id"], item.commission_id)) or {})
    deliver(api, sp.event("charge.dispute.closed", sp.dispute(payment_intent="pi_f", status="lost", dispute_id="dp_f")))
    rows = ledger(ctx, partner["partner_id"])
    assert sorted(r[1] for r in rows) == [-2000, 2000] and balance(ctx, partner["partner_id"]) == 0


def test_dispute_won_releases(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    paid_invoice(api, partner, "cus_g", "pi_g")
    deliver(
        api,
        sp.event(
            "charge.dispute.created", sp.dispute(payment_intent="pi_g", status="needs_response", dispute_id="dp_g")
        ),
    )
    deliver(api, sp.event("charge.dispute.closed", sp.dispute(payment_intent="pi_g", status="won", dispute_id="dp_g")))
    assert ledger(ctx, partner["partner_id"]) == [("sale_rate", 2000, None, "pending")]
    item = ctx.commissions.all_for_partner(partner["partner_id"])[0]
    assert (ctx.table.get(keys.commission(partner["partner_id"], item.commission_id)) or {})["gsi2pk"]


def test_a_refund_during_a_dispute_is_held_with_its_original_then_released_with_it(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a paid invoice (commission 2000) whose payment is disputed: the commission is held
    paid_invoice(api, partner, "cus_dr", "pi_dr")
    opened = sp.dispute(payment_intent="pi_dr", status="needs_response", dispute_id="dp_dr")
    deliver(api, sp.event("charge.dispute.created", opened))
    # When a part of the payment is refunded while the dispute is open
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_dr", amount=2500)))
    # Then the reversal is held with its original: nothing is taken from the payable balance
    original = _original_id(ctx, partner)
    assert ledger(ctx, partner["partner_id"]) == [
        ("sale_rate", 2000, None, "held"),
        ("sale_rate", -500, original, "held"),
    ]
    balances = commissions.balances(ctx, partner["partner_id"])["USD"]
    assert (balances["held"], balances["unpaid"]) == (1500, 0)
    # When the dispute is won, the original and its reversal are released together
    won = sp.dispute(payment_intent="pi_dr", status="won", dispute_id="dp_dr")
    deliver(api, sp.event("charge.dispute.closed", won))
    assert [row[3] for row in ledger(ctx, partner["partner_id"])] == ["pending", "pending"]
    balances = commissions.balances(ctx, partner["partner_id"])["USD"]
    assert (balances["held"], balances["unpaid"]) == (0, 1500)


def _original_id(ctx: AppContext, partner: dict[str, Any]) -> str:
    return next(e.commission_id for e in ctx.commissions.all_for_partner(partner["partner_id"]) if e.reverses is None)


# ---------------------------------------------------------------- attribution paths
def test_ref_code_in_metadata_attributes(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    link = given_link(api, partner["partner_id"])
    session = sp.checkout_session(customer="cus_ref", metadata={"ref": link["code"]})
    assert deliver(api, sp.event("checkout.session.completed", session)).json["outcome"] == "applied"
    binding = ctx.commissions.find_attribution("cus_ref")
    assert binding is not None and (binding.partner_id, binding.source.value) == (partner["partner_id"], "ref_code")


def test_a_converted_lead_attributes_when_there_is_no_click(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    link = given_link(api, partner["partner_id"])
    submitted = api.post(
        "/leads",
        json={"email": "lead@customer.example", "ref": link["code"]},
        headers={"origin": "https://www.acme.example"},
    )
    assert submitted.status == 201, submitted.body
    session = sp.checkout_session(customer="cus_lead", email="Lead@Customer.example")
    deliver(api, sp.event("checkout.session.completed", session))
    binding = ctx.commissions.find_attribution("cus_lead")
    assert binding is not None and (binding.partner_id, binding.source.value) == (partner["partner_id"], "lead")


def test_a_bound_customer_stays_with_its_partner(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    subscribe(api, partner, "cus_lock")
    other = given_partner(api, email="grace@partner.example")
    subscribe(api, other, "cus_lock")  # a later click of another partner: the program locks customers
    binding = ctx.commissions.find_attribution("cus_lock")
    assert binding is not None and binding.partner_id == partner["partner_id"]


def test_last_touch_without_lock_moves_the_customer(api: ApiClient, ctx: AppContext) -> None:
    given_program(api, attribution_policy="last_touch", lock_customer_to_partner=False)
    first, second = given_partner(api), given_partner(api, email="grace@partner.example")
    subscribe(api, first, "cus_move")
    link = given_link(api, second["partner_id"])
    later = int(datetime(2026, 11, 2, 9, 0, tzinfo=UTC).timestamp())
    token = click_token.issue("test-click-token-secret", link["code"], second["partner_id"], later)
    session = sp.checkout_session(customer="cus_move", client_reference_id=token)
    deliver(api, sp.event("checkout.session.completed", session))
    binding = ctx.commissions.find_attribution("cus_move")
    assert binding is not None and binding.partner_id == second["partner_id"]


# ---------------------------------------------------------------- concurrency, payment mode, outages
def test_concurrent_invoices_of_one_partner_pay_the_revenue_bonus_once(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    plan = given_plan(
        api,
        sale_rate="0.1",
        revenue_bonus={"threshold": {"amount": 15000, "currency": "USD"}, "bonus": {"amount": 5000, "currency": "USD"}},
    )
    partner = given_partner(api, plan_id=plan["plan_id"])
    customers = [f"cus_conc{i}" for i in range(4)]
    for customer in customers:
        subscribe(api, partner, customer)
    events = [sp.event("invoice.paid", sp.invoice(customer=c, subscription=f"sub_{c}")) for c in customers]
    with ThreadPoolExecutor(4) as pool:
        assert {r.status for r in pool.map(lambda n: deliver(api, events[n], container=n), range(len(events)))} == {200}
    rows = ledger(ctx, partner["partner_id"])
    assert sorted(r[0] for r in rows) == ["revenue_bonus"] + ["sale_rate"] * 4
    totals = ctx.commissions.totals(partner["partner_id"])
    assert (totals.revenue, totals.customers) == ({"USD": 40000}, 4)


def test_payment_mode_refund_finds_its_commission_by_payment_intent(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    token = click(partner, api)
    session = sp.checkout_session(
        customer="cus_pm", mode="payment", client_reference_id=token, amount_total=8000, payment_intent="pi_pm"
    )
    deliver(api, sp.event("checkout.session.completed", session))
    # The checkout is the sale: 20 % of 8000 is earned
    assert ledger(ctx, partner["partner_id"]) == [("sale_rate", 1600, None, "pending")]
    deliver(api, sp.event("charge.refunded", sp.charge(payment_intent="pi_pm", amount=8000, amount_refunded=8000)))
    # The full refund, known only by its payment_intent, reverses exactly that commission
    [earned] = [e for e in ctx.commissions.all_for_partner(partner["partner_id"]) if e.reverses is None]
    assert ledger(ctx, partner["partner_id"]) == [
        ("sale_rate", 1600, None, "pending"),
        ("sale_rate", -1600, earned.commission_id, "pending"),
    ]
    assert balance(ctx, partner["partner_id"]) == 0


def test_an_outage_answers_500_so_stripe_retries(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    subscribe(api, partner, "cus_down")
    real_name = ctx.table.name
    ctx.table.name = "no-such-table"
    try:
        response = deliver(api, sp.event("invoice.paid", sp.invoice(customer="cus_down", subscription="sub_1")))
    finally:
        ctx.table.name = real_name
    assert (response.status, response.error_code) == (500, "internal_error")


def test_a_paying_customer_marks_its_email_for_the_leads_feature(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    session = sp.checkout_session(customer="cus_mail", email=" Buyer@Customer.example ")
    deliver(api, sp.event("checkout.session.completed", session))
    marker = ctx.table.get(keys.customer_email("default", keys.sha256_hex("buyer@customer.example")))
    assert marker is not None and marker["stripe_customer_id"] == "cus_mail"


def test_cancellation_stops_the_revenue_share(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    # Given a referred subscription cancelled (ended) at T
    subscribe(api, partner, "cus_cancel")
    ended = sp.subscription_deleted(subscription="sub_c", customer="cus_cancel")
    assert deliver(api, sp.event("customer.subscription.deleted", ended)).json["outcome"] == "applied"
    assert deliver(api, sp.event("customer.subscription.deleted", ended)).json["outcome"] == "duplicate"
    # When an invoice paid before T arrives late, and a final invoice is paid after T
    before = sp.invoice(customer="cus_cancel", subscription="sub_c", paid_at=ended["ended_at"] - 86400)
    after = sp.invoice(customer="cus_cancel", subscription="sub_c", paid_at=ended["ended_at"] + 60)
    deliver(api, sp.event("invoice.paid", before))
    deliver(api, sp.event("invoice.paid", after))
    # Then only the invoice paid before the cancellation earns
    entries = ctx.commissions.all_for_partner(partner["partner_id"])
    assert [(e.source.invoice_id, e.amount.amount) for e in entries] == [(before["id"], 2000)]


def test_a_free_payment_mode_checkout_earns_nothing(api: ApiClient, ctx: AppContext) -> None:
    # Given a plan with a flat fee per first sale, and a referred visitor checking out for free (100 % coupon)
    given_program(api)
    plan = given_plan(api, sale_rate="0.2", first_sale_flat={"amount": 2500, "currency": "USD"})
    partner = given_partner(api, plan_id=plan["plan_id"])
    session = sp.checkout_session(
        customer="cus_free", mode="payment", client_reference_id=click(partner, api), amount_total=0
    )
    # When Stripe reports the completed checkout
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200
    # Then the customer is bound but nothing was earned and no referred customer was counted
    assert ledger(ctx, partner["partner_id"]) == []
    assert ctx.commissions.totals(partner["partner_id"]).customers == 0


def test_a_refund_racing_its_invoice_is_never_lost(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    # Given invoices whose payments Stripe already linked (invoice_payment.paid came first)
    rounds = 6
    invoices = []
    for n in range(rounds):
        subscribe(api, partner, f"cus_race{n}")
        invoice = sp.invoice(customer=f"cus_race{n}", subscription=f"sub_race{n}", amount_paid=10000)
        link = sp.invoice_payment(invoice_id=invoice["id"], payment_intent=f"pi_race{n}", amount=10000)
        assert deliver(api, sp.event("invoice_payment.paid", link)).status == 200
        invoices.append(invoice)
    # When each invoice.paid and a full refund of its payment arrive at the same moment
    for n, invoice in enumerate(invoices):
        pair = [
            sp.event("invoice.paid", invoice),
            sp.event("refund.created", sp.refund(payment_intent=f"pi_race{n}", amount=10000)),
        ]
        with ThreadPoolExecutor(2) as pool:
            assert {r.status for r in pool.map(lambda i, p=pair: deliver(api, p[i], container=i), range(2))} == {200}
    # Then every commission was taken back in full: no refund was lost in the race
    assert balance(ctx, partner["partner_id"]) == 0
    assert len([r for r in ledger(ctx, partner["partner_id"]) if r[0] == "sale_rate" and r[2] is None]) == rounds
