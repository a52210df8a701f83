"""The sample events/stripe_webhook_*.json replay through the real handler: as stored their signature is
stale (400); re-signed, the story they tell lands in the ledger."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from devstack.lambda_runtime import to_http_response
from shared.context import AppContext
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.factories import given_link, given_partner, given_plan, given_program

EVENTS = pathlib.Path(__file__).resolve().parents[3] / "events"
STORY = ["checkout_completed", "invoice_paid", "invoice_payment_paid", "refund_created", "dispute_closed_lost"]


def replay(gateway_event: dict[str, Any]) -> tuple[int, Any]:
    found = lambdas().find_route("POST", "/webhooks/stripe")
    assert found is not None
    response = to_http_response(lambdas().invoke(found[0].function, gateway_event))
    return response.status, json.loads(response.body)


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / f"stripe_webhook_{name}.json").read_text()))


def test_stored_samples_are_stale_and_refused(api: ApiClient, ctx: AppContext) -> None:
    status, body = replay(sample("invoice_paid"))
    assert (status, body["error"]["code"]) == (400, "invalid_signature")


def test_resigned_samples_tell_the_story(api: ApiClient, ctx: AppContext) -> None:
    # Given the demo partner on a 20 % plan with link `demo`
    given_program(api)
    partner = given_partner(api, plan_id=given_plan(api, sale_rate="0.2")["plan_id"])
    given_link(api, partner["partner_id"], code="demo")
    # When Stripe sends the story, then an ignored type
    outcomes = [replay(sp.resign(sample(name)))[1]["outcome"] for name in STORY]
    assert outcomes == ["applied", "applied", "applied", "applied", "applied"]
    assert replay(sp.resign(sample("ignored_type")))[1] == {"received": True, "outcome": "ignored", "ignored": True}
    # Then 20 % of 100.00 excluding tax was earned, half reversed by the refund, the rest by the lost dispute
    amounts = sorted(e.amount.amount for e in ctx.commissions.all_for_partner(partner["partner_id"]))
    assert amounts == [-1000, -1000, 2000]


def test_a_non_ascii_signature_is_refused_as_a_bad_signature(api: ApiClient, ctx: AppContext) -> None:
    # Given a stored sample whose Stripe-Signature carries a non-ASCII character (stripe-python compares with
    # hmac.compare_digest, which raises TypeError on non-ASCII text)
    event = sp.resign(sample("invoice_paid"))
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "stripe-signature"}
    event["headers"] = headers | {"stripe-signature": "t=1,v1=café"}
    # When it is delivered, then the answer is a 400 a person can act on, not a 500
    status, body = replay(event)
    assert (status, body["error"]["code"]) == (400, "invalid_signature")
