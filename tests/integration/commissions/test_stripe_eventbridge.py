"""Stripe through Amazon EventBridge: one table of cases, each a sequence of real-shaped Stripe events, run
through both entries - the signed webhook (`POST /webhooks/stripe`) and the EventBridge envelope a Stripe event
destination delivers (functions/stripe_events) - against DynamoDB Local. Both must answer the same outcome for
every event and leave the same ledger; an event that arrives by both is applied once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shared.commissions import service as commissions
from shared.commissions.eventbridge import InvalidEnvelope
from shared.context import AppContext
from shared.core.observability import metrics
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.factories import given_partner, given_plan, given_program
from tests.helpers.webhooks import click, deliver

Row = tuple[str, int, bool, str]
"""A ledger entry as a person reads it: (rule, amount in cents, is a reversal, status)."""


def ledger(ctx: AppContext, partner_id: str) -> list[Row]:
    """Every stored entry of a partner, in id order."""
    return [
        (e.rule, e.amount.amount, e.reverses is not None, e.status.value)
        for e in ctx.commissions.all_for_partner(partner_id)
    ]


# ---------------------------------------------------------------- the two entries
def by_webhook(api: ApiClient, stripe_event: dict[str, Any], container: int = 0) -> str:
    """Stripe posts the signed event to the webhook; the outcome it answers."""
    response = deliver(api, stripe_event, container=container)
    assert response.status == 200, response.body
    return str(response.json["outcome"])


def by_eventbridge(api: ApiClient, stripe_event: dict[str, Any], container: int = 0) -> str:
    """EventBridge invokes the Stripe events function with the envelope; the outcome it returns."""
    result = lambdas().invoke("stripe_events", sp.eventbridge_event(stripe_event), container=container)
    return str(result["outcome"])


Entry = Callable[..., str]
ENTRIES = {"webhook": by_webhook, "eventbridge": by_eventbridge}


# ---------------------------------------------------------------- the cases
Steps = Callable[[ApiClient, dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    """Stripe events in delivery order, the outcome of each, and the partner's ledger afterwards."""

    steps: Steps
    outcomes: list[str]
    ledger: list[Row]


def _subscription_paid(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    token = click(partner, api)
    session = sp.checkout_session(customer="cus_s", client_reference_id=token, subscription="sub_s")
    invoice = sp.invoice(customer="cus_s", subscription="sub_s", amount_paid=11000, tax=1000)
    return [sp.event("checkout.session.completed", session), sp.event("invoice.paid", invoice)]


def _invoice_before_checkout(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    checkout, paid = _subscription_paid(api, partner)
    return [paid, checkout]


def _same_event_twice(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    checkout, paid = _subscription_paid(api, partner)
    return [checkout, paid, paid]


def _payment_mode_refunded(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    token = click(partner, api)
    session = sp.checkout_session(
        customer="cus_p", mode="payment", client_reference_id=token, amount_total=8000, payment_intent="pi_p"
    )
    refunded = sp.charge(payment_intent="pi_p", amount=8000, amount_refunded=8000)
    return [sp.event("checkout.session.completed", session), sp.event("charge.refunded", refunded)]


def _partial_refund(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    checkout, _ = _subscription_paid(api, partner)
    invoice = sp.invoice(customer="cus_s", subscription="sub_s", amount_paid=10000)
    linked = sp.invoice_payment(invoice_id=invoice["id"], payment_intent="pi_r", amount=10000)
    return [
        checkout,
        sp.event("invoice.paid", invoice),
        sp.event("invoice_payment.paid", linked),
        sp.event("refund.created", sp.refund(payment_intent="pi_r", amount=2500)),
    ]


def _refund_before_payment(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    checkout, paid, linked, refund = _partial_refund(api, partner)
    return [refund, checkout, paid, linked]


def _dispute_lost(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    checkout, paid, linked, _ = _partial_refund(api, partner)
    opened = sp.dispute(payment_intent="pi_r", status="needs_response", dispute_id="dp_1")
    lost = sp.dispute(payment_intent="pi_r", status="lost", dispute_id="dp_1")
    return [checkout, paid, linked, sp.event("charge.dispute.created", opened), sp.event("charge.dispute.closed", lost)]


def _dispute_open(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    return _dispute_lost(api, partner)[:-1]


def _cancelled(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    checkout, paid = _subscription_paid(api, partner)
    ended = sp.subscription_deleted(subscription="sub_s", customer="cus_s")
    return [checkout, paid, sp.event("customer.subscription.deleted", ended)]


def _unattributed(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    session = sp.checkout_session(customer="cus_n", email="nobody@customer.example")
    invoice = sp.invoice(customer="cus_n", subscription="sub_n")
    return [sp.event("checkout.session.completed", session), sp.event("invoice.paid", invoice)]


def _zero_and_out_of_band(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    checkout, _ = _subscription_paid(api, partner)
    zero = sp.invoice(customer="cus_s", subscription="sub_s", amount_paid=0)
    out_of_band = {**sp.invoice(customer="cus_s", subscription="sub_s", amount_paid=5000), "paid_out_of_band": True}
    return [checkout, sp.event("invoice.paid", zero), sp.event("invoice.paid", out_of_band)]


def _ignored_and_unusable(api: ApiClient, partner: dict[str, Any]) -> list[dict[str, Any]]:
    nameless = {**sp.invoice_payment(invoice_id="in_x", payment_intent="pi_x"), "invoice": None}
    return [
        sp.event("customer.created", {"id": "cus_i", "object": "customer"}),
        sp.event("invoice_payment.paid", nameless),
    ]


EARNED = ("sale_rate", 2000, False, "pending")
CASES = {
    "subscription checkout, then its invoice paid": Case(_subscription_paid, ["applied", "applied"], [EARNED]),
    "invoice before its checkout: parked, then paid": Case(_invoice_before_checkout, ["parked", "applied"], [EARNED]),
    "the same event delivered twice": Case(_same_event_twice, ["applied", "applied", "duplicate"], [EARNED]),
    "payment-mode checkout refunded in full": Case(
        _payment_mode_refunded,
        ["applied", "applied"],
        [("sale_rate", 1600, False, "pending"), ("sale_rate", -1600, True, "pending")],
    ),
    "a quarter refunded": Case(
        _partial_refund,
        ["applied", "applied", "applied", "applied"],
        [EARNED, ("sale_rate", -500, True, "pending")],
    ),
    "refund before the payment is known": Case(
        _refund_before_payment,
        ["stored", "applied", "applied", "applied"],
        [EARNED, ("sale_rate", -500, True, "pending")],
    ),
    "dispute open: held": Case(
        _dispute_open, ["applied", "applied", "applied", "applied"], [("sale_rate", 2000, False, "held")]
    ),
    "dispute lost: reversed": Case(
        _dispute_lost,
        ["applied", "applied", "applied", "applied", "applied"],
        [("sale_rate", 2000, False, "pending"), ("sale_rate", -2000, True, "pending")],
    ),
    "subscription cancelled": Case(_cancelled, ["applied", "applied", "applied"], [EARNED]),
    "no referral: nothing earned": Case(_unattributed, ["unattributed", "parked"], []),
    "zero and out-of-band invoices": Case(_zero_and_out_of_band, ["applied", "skipped", "skipped"], []),
    "ignored type and unusable object": Case(_ignored_and_unusable, ["ignored", "unusable"], []),
}


@pytest.fixture
def partner(api: ApiClient) -> dict[str, Any]:
    given_program(api)
    plan = given_plan(api, sale_rate="0.2")
    return given_partner(api, plan_id=plan["plan_id"])


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("name", list(CASES))
def test_both_entries_change_the_ledger_alike(
    name: str, entry: str, api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a partner whose plan pays 20 % of sales, and the case's Stripe events
    case = CASES[name]
    events = case.steps(api, partner)
    # When Stripe delivers them in order through this entry
    outcomes = [ENTRIES[entry](api, stripe_event) for stripe_event in events]
    # Then each event has the case's outcome and the partner's ledger is the case's, whichever the entry
    assert outcomes == case.outcomes
    assert ledger(ctx, partner["partner_id"]) == case.ledger


# ---------------------------------------------------------------- one event, both entries
@pytest.mark.parametrize("first,second", [("webhook", "eventbridge"), ("eventbridge", "webhook")])
def test_an_event_delivered_by_both_entries_is_applied_once(
    first: str, second: str, api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a referred subscription (bound through the first entry)
    checkout, paid = _subscription_paid(api, partner)
    assert ENTRIES[first](api, checkout) == "applied"
    # When Stripe delivers the invoice.paid event to the webhook endpoint and to the event destination
    outcomes = [ENTRIES[first](api, paid), ENTRIES[second](api, paid)]
    # Then the second delivery is a duplicate: one commission, one unpaid balance of 2000
    assert outcomes == ["applied", "duplicate"]
    assert ledger(ctx, partner["partner_id"]) == [EARNED]
    assert commissions.balances(ctx, partner["partner_id"])["USD"]["unpaid"] == 2000


def test_the_same_event_by_both_entries_at_once_is_applied_once(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a referred subscription
    checkout, paid = _subscription_paid(api, partner)
    by_webhook(api, checkout)
    # When the webhook and EventBridge deliver its invoice.paid at the same moment (two Lambda containers)
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(
            pool.map(lambda pair: pair[0](api, paid, container=pair[1]), [(by_webhook, 1), (by_eventbridge, 2)])
        )
    # Then one of them applies it and the other finds it done
    assert outcomes == ["applied", "duplicate"]
    assert ledger(ctx, partner["partner_id"]) == [EARNED]


# ---------------------------------------------------------------- failures: Lambda retries, then the DLQ
def test_an_outage_raises_so_lambda_retries_then_dead_letters(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given a referred subscription and DynamoDB unreachable
    checkout, paid = _subscription_paid(api, partner)
    by_eventbridge(api, checkout)
    real_name = ctx.table.name
    ctx.table.name = "no-such-table"
    # When EventBridge delivers the invoice.paid event
    try:
        with pytest.raises(ClientError, match=r"ResourceNotFoundException"):
            by_eventbridge(api, paid)
    finally:
        ctx.table.name = real_name
    # Then the invocation failed (Lambda retries it, then sends it to the DLQ) and nothing was written;
    # the retry applies it once
    assert ledger(ctx, partner["partner_id"]) == []
    assert by_eventbridge(api, paid) == "applied"
    assert ledger(ctx, partner["partner_id"]) == [EARNED]


def test_an_envelope_that_is_not_a_stripe_event_fails_the_invocation(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    # Given an event on the bus whose detail-type does not match its Stripe event
    checkout, _ = _subscription_paid(api, partner)
    envelope = {**sp.eventbridge_event(checkout), "detail-type": "invoice.paid"}
    # When it is delivered, Then the invocation fails (dead-lettered after Lambda's retries) and nothing changes
    with pytest.raises(InvalidEnvelope):
        lambdas().invoke("stripe_events", envelope)
    assert ctx.commissions.find_attribution("cus_s") is None


# ---------------------------------------------------------------- the metrics the dashboard and the alarms read
def _metric_names(printed: str) -> list[str]:
    """The metric names of the EMF lines a function printed (Powertools flushes them as the handler returns)."""
    names = []
    for line in printed.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            names += [m["Name"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    return names


def test_both_entries_publish_the_metrics_the_alarms_and_the_dashboard_read(
    api: ApiClient, partner: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given metrics enabled, as in Lambda (and nothing left over from the tests that ran with them disabled)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()
    checkout, paid = _subscription_paid(api, partner)
    capsys.readouterr()
    # When EventBridge delivers a checkout and the webhook gets its invoice, then a forged delivery
    by_eventbridge(api, checkout)
    by_webhook(api, paid)
    forged_body, forged_headers = sp.signed(paid, secret="whsec_not_ours")
    assert api.request("POST", "/webhooks/stripe", body=forged_body, headers=forged_headers).status == 400
    # Then each outcome was counted, and the bad signature too (StripeWebhookBadSignatureRateAlarm reads it)
    names = _metric_names(capsys.readouterr().out)
    assert names.count("StripeEvent_applied") == 2
    assert "StripeWebhookBadSignature" in names
