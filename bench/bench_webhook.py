"""Stripe webhook: latency of POST /webhooks/stripe through the real handler (signature check included), and
DynamoDB requests per event.

Floor: one raw TransactWriteItems of six puts (what a paid invoice writes: event record, fact record, sale,
customer binding, partner totals, ledger entry) on the same DynamoDB Local, in the same run.
Figures: invoice.paid of a referred customer (a new event and invoice each time), a duplicate delivery of an
applied event, a partial refund of a paid invoice, and the service alone (no HTTP/signature) for invoice.paid.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from decimal import Decimal
from typing import Any

from bench.harness import BenchContext, RequestCounter, percentiles, row, time_calls
from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response
from shared import context as deps
from shared.commissions.webhook import handle_event
from shared.context import AppContext
from shared.links import click_token
from shared.programs import service as programs
from tests.helpers import stripe_payloads as sp

ITERATIONS = 300
SECRET = "whsec_bench_secret"  # noqa: S105 - a local benchmark signing secret


def _context(bench: BenchContext) -> tuple[AppContext, str]:
    plan = programs.PlanInput(plan_id="std", name="Standard", sale_rate=Decimal("0.2"))
    return bench.program_context("webhook", plan)


def run(bench: BenchContext) -> None:
    """Print webhook latency against the raw TransactWriteItems floor, and DynamoDB requests per event."""
    os.environ["STRIPE_WEBHOOK_SECRET"] = SECRET
    os.environ.setdefault("CLICK_TOKEN_SECRET", "bench-click-token-secret")
    ctx, partner_id = _context(bench)
    deps.set_context(ctx)
    counter = RequestCounter()
    counter.attach(bench.client)
    lambdas = LocalLambdas()
    found = lambdas.find_route("POST", "/webhooks/stripe")
    assert found is not None
    numbers = itertools.count()

    def post(stripe_event: dict[str, Any]) -> dict[str, Any]:
        body, headers = sp.signed(stripe_event, secret=SECRET)
        event = http_event(route=found[0], method="POST", path="/webhooks/stripe", headers=headers, body=body.encode())
        with contextlib.redirect_stdout(io.StringIO()):  # EMF metrics go to stdout
            response = to_http_response(lambdas.invoke(found[0].function, event))
        assert response.status == 200, response.body
        import json

        return dict(json.loads(response.body))

    # A referred customer, bound by a checkout with the partner's click token
    token = click_token.issue(
        os.environ["CLICK_TOKEN_SECRET"], "bench-link", partner_id, int(ctx.clock.now().timestamp())
    )
    post(sp.event("checkout.session.completed", sp.checkout_session(customer="cus_bench", client_reference_id=token)))

    def invoice_paid() -> None:
        invoice = sp.invoice(
            customer="cus_bench", subscription="sub_bench", amount_paid=10000, billing_reason="subscription_cycle"
        )
        assert post(sp.event("invoice.paid", invoice))["outcome"] == "applied"

    applied = sp.event("invoice.paid", sp.invoice(customer="cus_bench", subscription="sub_bench"))
    post(applied)

    def duplicate() -> None:
        assert post(applied)["outcome"] == "duplicate"

    refundable = []
    for _ in range(ITERATIONS + 60):
        invoice = sp.invoice(customer="cus_bench", subscription="sub_bench", amount_paid=10000)
        pi = f"pi_{invoice['id']}"
        handle_event(ctx, sp.event("invoice.paid", invoice))
        handle_event(
            ctx, sp.event("invoice_payment.paid", sp.invoice_payment(invoice_id=invoice["id"], payment_intent=pi))
        )
        refundable.append(pi)
    pending_refunds = iter(refundable)

    def refund() -> None:
        assert (
            post(sp.event("refund.created", sp.refund(payment_intent=next(pending_refunds), amount=2500)))["outcome"]
            == "applied"
        )

    def service_only() -> None:
        invoice = sp.invoice(customer="cus_bench", subscription="sub_bench", amount_paid=10000)
        assert handle_event(ctx, sp.event("invoice.paid", invoice)).result == "applied"

    def raw_transaction() -> None:
        n = next(numbers)
        items = [
            {
                "pk": {"S": f"BENCH#{n}#{part}"},
                "sk": {"S": "X"},
                "status": {"S": "pending"},
                "amount": {"N": "2000"},
                "currency": {"S": "USD"},
                "version": {"N": "1"},
            }
            for part in range(6)
        ]
        bench.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": ctx.table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
                for item in items
            ]
        )

    floor = percentiles(time_calls(raw_transaction, ITERATIONS))
    print(row("floor: raw TransactWriteItems (6 puts)", floor))
    for label, call in (
        ("invoice.paid, referred customer", invoice_paid),
        ("duplicate delivery", duplicate),
        ("refund.created (partial reversal)", refund),
        ("service only: invoice.paid", service_only),
    ):
        figures = percentiles(time_calls(call, ITERATIONS, warmup=20 if call is refund else 50))
        counter.reset()
        call()
        print(row(label, figures, floor) + f"   dynamodb requests/event={counter.count} {counter.by_operation}")
    deps.set_context(None)
