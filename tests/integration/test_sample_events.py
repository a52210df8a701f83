"""Every sample event under events/ runs through the function it targets (API Gateway HTTP API v2 events
through the route table of template.yaml; scheduler, manual and SQS payloads through the payout function)
against the demo seed, and none of them makes a function fail or answer a 5xx.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from devstack.seed import seed_demo
from functions.redirect import app as redirect_app
from shared.context import AppContext
from tests.helpers.api import lambdas

pytestmark = pytest.mark.integration

EVENTS = sorted((pathlib.Path(__file__).resolve().parents[2] / "events").glob("*.json"))
# What the samples whose answer the demo seed decides must answer (the lead form's come from the demo site's
# origin, example.com: a sample from another origin would be refused 403 and show nothing of the lead path).
EXPECTED_STATUS = {
    "leads_form": 303,
    "leads_honeypot": 303,
    "leads_invalid": 422,
    "leads_json": 201,
    "leads_preflight": 204,
    "partner_api_me": 200,
    "redirect_click": 302,
    "web_portal_sign_in_page": 200,
}


def _function_of(event: dict[str, Any], name: str = "") -> str:
    if "requestContext" in event and "http" in event["requestContext"]:
        found = lambdas().find_route(event["requestContext"]["http"]["method"], event["rawPath"])
        assert found is not None, f"no route in template.yaml for {event['rawPath']}"
        return found[0].function
    if any(r.get("eventSource") == "aws:dynamodb" for r in event.get("Records", [])):
        # a batch of the table's stream: outbox INSERTs go to the publisher, every item change to the rollups
        return "publisher" if '"OutboxEvent"' in json.dumps(event) else "rollups"
    if str(event.get("source", "")).startswith("aws.partner/stripe.com/"):
        return "stripe_events"  # a Stripe event destination's delivery through EventBridge
    if event.get("source") == "referral-program":
        # a domain event from the bus (every consumer gets the same shape: the sample's file name says which)
        return "webhook_fanout" if name.startswith("webhook_fanout") else "notifier"
    if any("delivery_id" in str(r.get("body", "")) for r in event.get("Records", [])):
        return "webhook_delivery"  # an SQS batch of outgoing-webhook wake-ups
    return "payouts"  # the scheduler, a manual invoke, or an SQS batch of shard messages


def test_there_is_a_sample_event_for_every_function() -> None:
    functions = {_function_of(json.loads(path.read_text()), path.stem) for path in EVENTS}
    assert functions == set(lambdas().specs)


@pytest.mark.parametrize("path", EVENTS, ids=[p.stem for p in EVENTS])
def test_a_sample_event_runs_without_a_server_error(
    path: pathlib.Path, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the demo seed (program on example.com, partner ptr_demo, link `demo`) and no Stripe to reach
    monkeypatch.setenv("DEMO_SITE_DOMAIN", "example.com")
    monkeypatch.setenv("DEMO_PARTNER_API_KEY", "rpk_demo_local_partner_key_do_not_use_in_production")
    monkeypatch.delenv("PAYOUT_SHARD_QUEUE_URL", raising=False)
    # The redirect builds its client from the environment on a cold start: point it at this test's table (a
    # fresh container each time). The other functions use this test's context (the `ctx` fixture).
    monkeypatch.setenv("TABLE_NAME", ctx.table.name)
    monkeypatch.setattr(redirect_app, "_redirector", None)
    seed_demo(ctx)
    event = json.loads(path.read_text())
    # When the sample event is invoked
    result = lambdas().invoke(_function_of(event, path.stem), event)
    # Then the function answered: an HTTP status below 500, or a payout result that is not a crash
    if isinstance(result, dict) and "statusCode" in result:
        assert result["statusCode"] < 500, (path.name, result)
        assert result["statusCode"] == EXPECTED_STATUS.get(path.stem, result["statusCode"]), (path.name, result)
    else:
        assert isinstance(result, dict), (path.name, result)
