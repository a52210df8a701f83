"""POST /webhooks/stripe: verify Stripe's signature on the raw body, then apply the event to the ledger.

Answers: 400 for a missing/forged/stale signature or a body that is not a JSON event; 200 for every genuine
event (applied, duplicate, ignored type, or a permanent problem such as no attribution - logged with a
metric); 500 only when a retry can help (DynamoDB unavailable, too many concurrent changes), so Stripe retries.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from shared.commissions.webhook import handle_event
from shared.context import get_context
from shared.core.body import parse_json
from shared.core.errors import DomainError
from shared.core.lazy import lazy_module
from shared.core.observability import logger, metrics
from shared.core.secrets import get_secret

SIGNATURE_TOLERANCE_SECONDS = 300
# The official library checks the signature (stripe.WebhookSignature, as stripe.Webhook.construct_event does),
# loaded on the first delivery rather than at import: its HTTP client (requests, asyncio) is ~30 ms of import
# that only the webhook's requests need (docs/observability.md, "import + first request").
stripe = lazy_module("stripe")
MAX_EVENT_BYTES = 1024 * 1024  # a Stripe event with many invoice lines runs far past the API's 64 KiB


def answer(event: dict[str, Any]) -> dict[str, Any]:
    """The API Gateway (HTTP API v2) response to one webhook delivery."""
    signature = _signature(event)
    if not signature:
        return _error(400, "missing_signature", "the Stripe-Signature header is missing")
    try:
        payload = _raw_body(event)
    except (binascii.Error, UnicodeDecodeError):
        return _error(400, "malformed_body", "the body is not UTF-8 text")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, get_secret("STRIPE_WEBHOOK_SECRET"), tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, TypeError):  # TypeError: a non-ASCII signature (compare_digest)
        metrics.add_metric(name="StripeWebhookBadSignature", unit=MetricUnit.Count, value=1)
        return _error(400, "invalid_signature", "the Stripe-Signature does not match the body, or is too old")
    try:  # signed, then parsed with the API's bounds (depth, number length): a signed array or nest is a 400
        stripe_event = parse_json(payload, max_bytes=MAX_EVENT_BYTES)
    except DomainError as error:
        return _error(400, "malformed_json", f"the body is not a JSON Stripe event: {error.message}")
    if not isinstance(stripe_event, dict) or not stripe_event.get("id") or not stripe_event.get("type"):
        return _error(400, "malformed_event", "the body is not a Stripe event (id and type are required)")
    try:
        outcome = handle_event(get_context(), stripe_event)
    except Exception:  # an outage or a bug: nothing was half-written (one transaction); Stripe retries
        logger.exception("stripe event failed", extra={"event_id": stripe_event["id"]})
        return _error(500, "internal_error", "the event could not be applied now; it will be retried")
    logger.info(
        "stripe event",
        extra={
            "event_id": stripe_event["id"],
            "type": stripe_event.get("type"),
            "outcome": outcome.result,
            "detail": outcome.detail,
        },
    )
    metrics.add_metric(name=f"StripeEvent_{outcome.result}", unit=MetricUnit.Count, value=1)
    body: dict[str, Any] = {"received": True, "outcome": outcome.result}
    if outcome.result == "ignored":
        body["ignored"] = True
    return _response(200, body)


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
    }


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return _response(status, {"error": {"code": code, "message": message}})


def _raw_body(event: dict[str, Any]) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8")
    return str(body)


def _signature(event: dict[str, Any]) -> str | None:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "stripe-signature":
            return str(value)
    return None
