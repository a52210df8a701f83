"""Stripe webhook: latency of POST /webhooks/stripe through the real handler (signature check included; the
deliveries are signed before the clock starts), and DynamoDB requests per event, with real-shaped invoice.paid bodies of about 4 KB (the fields and nesting of
Stripe's invoice of API 2025-03-31.basil: account and customer details, payment settings, a subscription
line item, the invoice_payment that paid it).

Floor: one raw TransactWriteItems of six puts on the same DynamoDB Local, alternating call by call with each
measured operation (so both see the same load on a shared machine), through the same
client (shared.core.dynamo.make_client, as a function builds it), whose items add up to the bytes a paid
invoice's transaction writes (measured from that transaction in this run).
Figures: invoice.paid of a referred customer (a new event and invoice each time) whose subscription carries
its checkout's click token in its metadata (README "Wiring the company's site": then the partner's records are
read with the binding, one read in all), the same without the token (a second read, once the binding names
the partner), a duplicate delivery of an applied event, a partial refund of a paid invoice, and the service
alone (no HTTP/signature) for invoice.paid.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench.harness import BenchContext, RequestCounter, percentiles, row
from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response
from shared import context as deps
from shared.commissions.webhook import handle_event
from shared.context import AppContext
from shared.core.dynamo import make_client
from shared.core.observability import logger
from shared.links import click_token
from shared.programs import service as programs
from tests.helpers import stripe_payloads as sp

ITERATIONS = 300
SECRET = "whsec_bench_secret"  # noqa: S105 - a local benchmark signing secret
FLOOR_PUTS = 6


def _context(bench: BenchContext) -> tuple[AppContext, str]:
    plan = programs.PlanInput(plan_id="std", name="Standard", sale_rate=Decimal("0.2"))
    return bench.program_context("webhook", plan)


def real_invoice(customer: str, subscription: str, amount: int = 10000, click_id: str | None = None) -> dict[str, Any]:
    """A paid subscription invoice with everything Stripe puts in one (about 4 KB as an event); with the
    snapshot of its subscription's metadata (`click_id`, when the company's Checkout set it as the README says)."""
    metadata = {"click_id": click_id} if click_id else None
    invoice = sp.invoice(
        customer=customer, subscription=subscription, amount_paid=amount, subscription_metadata=metadata
    )
    invoice_id, paid_at = invoice["id"], invoice["status_transitions"]["paid_at"]
    payment = sp.invoice_payment(invoice_id=invoice_id, payment_intent=f"pi_{invoice_id}", amount=amount)
    line = {
        "id": f"il_{invoice_id}",
        "object": "line_item",
        "amount": amount,
        "currency": "usd",
        "description": "1 x Acme Team (at $100.00 / month)",
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": subscription,
                "subscription_item": f"si_{subscription}",
            },
        },
        "period": {"end": paid_at + 30 * 86400, "start": paid_at},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": "price_1AcmeTeamMonthly", "product": "prod_AcmeTeam"},
            "type": "price_details",
            "unit_amount_decimal": str(amount),
        },
        "quantity": 1,
        "subtotal": amount,
        "taxes": [],
    }
    invoice.update(
        {
            "account_country": "US",
            "account_name": "Acme Inc.",
            "account_tax_ids": None,
            "amount_overpaid": 0,
            "amount_shipping": 0,
            "application": None,
            "attempt_count": 1,
            "attempted": True,
            "auto_advance": False,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "automatically_finalizes_at": None,
            "custom_fields": None,
            "customer_address": {
                "city": "Springfield",
                "country": "US",
                "line1": "742 Evergreen Terrace",
                "line2": None,
                "postal_code": "97403",
                "state": "OR",
            },
            "customer_name": "Buyer Example",
            "customer_phone": None,
            "customer_shipping": None,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "due_date": None,
            "effective_at": paid_at - 60,
            "ending_balance": 0,
            "footer": None,
            "from_invoice": None,
            "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_1Acme/test_{invoice_id}?s=ap",
            "invoice_pdf": f"https://pay.stripe.com/invoice/acct_1Acme/test_{invoice_id}/pdf?s=ap",
            "issuer": {"type": "self"},
            "last_finalization_error": None,
            "latest_revision": None,
            "lines": {"object": "list", "data": [line], "has_more": False, "url": f"/v1/invoices/{invoice_id}/lines"},
            "next_payment_attempt": None,
            "number": f"ACME-{invoice_id[-6:]}",
            "on_behalf_of": None,
            "payment_settings": {
                "default_mandate": None,
                "payment_method_options": {
                    "acss_debit": None,
                    "bancontact": None,
                    "card": {"request_three_d_secure": "automatic"},
                    "customer_balance": None,
                    "konbini": None,
                    "sepa_debit": None,
                    "us_bank_account": None,
                },
                "payment_method_types": None,
            },
            "payments": {"object": "list", "data": [payment], "has_more": False, "url": "/v1/invoice_payments"},
            "period_end": paid_at,
            "period_start": paid_at - 30 * 86400,
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": None,
            "rendering": {"amount_tax_display": None, "pdf": {"page_size": "letter"}, "template": None},
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": 0,
            "statement_descriptor": None,
            "test_clock": None,
            "total_discount_amounts": [],
            "total_pretax_credit_amounts": [],
            "webhooks_delivered_at": paid_at,
        }
    )
    return invoice


def run(bench: BenchContext) -> None:
    """Print webhook latency against the raw TransactWriteItems floor, and DynamoDB requests per event.
    The function logs its INFO line per event as in Lambda (the cost is measured), into /dev/null, not the report."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    with open(os.devnull, "w") as sink:
        stream = handler.setStream(sink)
        try:
            _run(bench)
        finally:
            handler.setStream(stream)


def _run(bench: BenchContext) -> None:
    os.environ["STRIPE_WEBHOOK_SECRET"] = SECRET
    os.environ.setdefault("CLICK_TOKEN_SECRET", "bench-click-token-secret")
    ctx, partner_id = _context(bench)
    # The client a function builds (shared.core.dynamo.make_client, its configuration), on DynamoDB Local.
    client = ctx.table.client = make_client(endpoint_url=bench.database.endpoint)
    deps.set_context(ctx)
    counter = RequestCounter()
    counter.attach(client)
    lambdas = LocalLambdas()
    found = lambdas.find_route("POST", "/webhooks/stripe")
    assert found is not None

    def signed(stripe_event: dict[str, Any]) -> dict[str, Any]:
        """The API Gateway event of one delivery, signed (built before the clock starts)."""
        body, headers = sp.signed(stripe_event, secret=SECRET)
        return http_event(route=found[0], method="POST", path="/webhooks/stripe", headers=headers, body=body.encode())

    def deliver(gateway_event: dict[str, Any]) -> str:
        """The function answers one delivery: its outcome."""
        with contextlib.redirect_stdout(io.StringIO()):  # EMF metrics go to stdout
            response = to_http_response(lambdas.invoke(found[0].function, gateway_event))
        assert response.status == 200, response.body
        return str(json.loads(response.body)["outcome"])

    # A referred customer, bound by a checkout with the partner's click token
    token = click_token.issue(
        os.environ["CLICK_TOKEN_SECRET"], "bench-link", partner_id, int(ctx.clock.now().timestamp())
    )
    deliver(
        signed(
            sp.event("checkout.session.completed", sp.checkout_session(customer="cus_bench", client_reference_id=token))
        )
    )
    calls = ITERATIONS + 60  # warm-up and measured calls, and the one that counts requests

    def renewal(click_id: str | None = None) -> dict[str, Any]:
        invoice = real_invoice("cus_bench", "sub_bench", click_id=click_id)
        invoice["billing_reason"] = "subscription_cycle"
        return sp.event("invoice.paid", invoice)

    paid = iter([signed(renewal(token)) for _ in range(calls)])
    paid_without_token = iter([signed(renewal()) for _ in range(calls)])

    def invoice_paid() -> None:
        assert deliver(next(paid)) == "applied"

    def invoice_paid_without_token() -> None:
        assert deliver(next(paid_without_token)) == "applied"

    applied = sp.event("invoice.paid", real_invoice("cus_bench", "sub_bench"))
    applied_delivery = signed(applied)
    deliver(applied_delivery)
    body_bytes = len(sp.signed(applied, secret=SECRET)[0].encode())

    def duplicate() -> None:
        assert deliver(applied_delivery) == "duplicate"

    pending_refunds = iter([signed(event) for event in _refunds_of_paid_invoices(ctx, calls)])

    def refund() -> None:
        assert deliver(next(pending_refunds)) == "applied"

    unsigned = iter([renewal(token) for _ in range(calls + 1)])

    def service_only() -> None:
        assert handle_event(ctx, next(unsigned)).result == "applied"

    raw_transaction, written = _floor(client, ctx, service_only)
    print(f"  invoice.paid body: {body_bytes} bytes; its transaction writes {written} bytes (the floor as much)")
    print("  (each operation alternates call by call with the floor, so both see the same machine load)")
    _print_figures(
        raw_transaction,
        counter,
        [
            ("invoice.paid, referred customer", invoice_paid),
            ("  the same, subscription without click_id", invoice_paid_without_token),
            ("duplicate delivery", duplicate),
            ("refund.created (partial reversal)", refund),
            ("service only: invoice.paid", service_only),
        ],
        slow_warmup=refund,
    )
    deps.set_context(None)


def _print_figures(
    floor_call: Callable[[], None],
    counter: RequestCounter,
    cases: list[tuple[str, Callable[[], None]]],
    slow_warmup: Callable[[], None],
) -> None:
    """Each case against the floor (alternating call by call), with its DynamoDB requests per event."""
    for label, call in cases:
        floor_samples, samples = interleaved(floor_call, call, ITERATIONS, warmup=20 if call is slow_warmup else 50)
        floor, figures = percentiles(floor_samples), percentiles(samples)
        counter.reset()
        call()
        print(row(f"floor: raw TransactWriteItems ({FLOOR_PUTS} puts)", floor))
        print(row(label, figures, floor) + f"   dynamodb requests/event={counter.count} {counter.by_operation}")


def _refunds_of_paid_invoices(ctx: AppContext, count: int) -> list[dict[str, Any]]:
    """`count` invoices paid now (through the service), and a partial refund event of each."""
    refunds = []
    for _ in range(count):
        invoice = real_invoice("cus_bench", "sub_bench")
        handle_event(ctx, sp.event("invoice.paid", invoice))
        payment_intent = invoice["payments"]["data"][0]["payment"]["payment_intent"]
        refunds.append(sp.event("refund.created", sp.refund(payment_intent=payment_intent, amount=2500)))
    return refunds


def _floor(client: Any, ctx: AppContext, paid_invoice: Callable[[], None]) -> tuple[Callable[[], None], int]:
    """The floor: one raw TransactWriteItems of six conditional puts whose items add up to the bytes one paid
    invoice's transaction writes (measured on one, now). Returns (the floor call, those bytes)."""
    written: list[int] = []

    def measure(params: dict[str, Any], **_: Any) -> None:
        items = [a.get("Put", {}).get("Item") or a.get("Update", {}) for a in params.get("TransactItems", [])]
        written.append(sum(len(json.dumps(i)) for i in items))

    client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", measure)
    paid_invoice()
    client.meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems", measure)
    padding = "x" * max(0, written[-1] // FLOOR_PUTS - 120)
    numbers = itertools.count()

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
                "body": {"S": padding},
            }
            for part in range(FLOOR_PUTS)
        ]
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": ctx.table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
                for item in items
            ]
        )

    return raw_transaction, written[-1]


def interleaved(
    floor: Callable[[], object], call: Callable[[], object], iterations: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of `iterations` floor calls and operation calls, alternating, after `warmup` of each."""
    for _ in range(warmup):
        floor()
        call()
    floor_samples: list[float] = []
    samples: list[float] = []
    for _ in range(iterations):
        for target, into in ((floor, floor_samples), (call, samples)):
            started = time.perf_counter()
            target()
            into.append((time.perf_counter() - started) * 1000)
    return floor_samples, samples
