"""Stripe events delivered by Amazon EventBridge (a Stripe event destination's partner event source): the same
ledger code and the same idempotency as `POST /webhooks/stripe` (shared.commissions.webhook.handle_event).

AWS delivers these, so there is no signature to check; what is checked is the envelope: `source` is a Stripe
partner event source (`aws.partner/stripe.com/...`), `detail` is a Stripe event (an object with `id` and
`type`) and `detail-type` is that event's type. The detail is bounded as the webhook bounds its body (size,
nesting depth, number length: shared.core.body.parse_json).

Failures: an envelope that is not a Stripe event raises `InvalidEnvelope`, and a transient failure (DynamoDB,
too many concurrent changes) re-raises. Both make the asynchronous invocation fail, so Lambda retries it and
then sends it to the stack's dead-letter queue (template.yaml `StripeEventsDeadLetterQueue`, alarmed): an
event is never dropped silently. Everything the webhook answers 200 for (applied, duplicate, ignored,
unusable, ...) returns normally. An event delivered both by webhook and by EventBridge is applied once: the
processed-event record is keyed by the Stripe event id, whichever entry comes first.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from shared.commissions.webhook import handle_event
from shared.context import get_context
from shared.core.body import parse_json
from shared.core.errors import DomainError
from shared.core.observability import logger, metrics
from shared.core.settings import PROGRAM_ID, TABLE_NAME, Settings

STRIPE_SOURCE_PREFIX = "aws.partner/stripe.com"
MAX_DETAIL_BYTES = 1024 * 1024  # the webhook's bound (an EventBridge event is at most 256 KB anyway)


class StripeEventsSettings(Settings):
    """The EventBridge entry: the table, and the click-token secret that verifies checkout attributions."""

    variables = (TABLE_NAME, PROGRAM_ID)
    secrets = ("CLICK_TOKEN_SECRET",)


class InvalidEnvelope(ValueError):
    """The EventBridge event is not a Stripe event in the shape Stripe's event destination delivers."""


def stripe_event_of(envelope: Any) -> dict[str, Any]:
    """The Stripe event inside an EventBridge envelope, bounded and checked; InvalidEnvelope otherwise."""
    if not isinstance(envelope, dict):
        raise InvalidEnvelope("the EventBridge event is not an object")
    source = envelope.get("source")
    if not isinstance(source, str) or not (
        source == STRIPE_SOURCE_PREFIX or source.startswith(STRIPE_SOURCE_PREFIX + "/")
    ):
        raise InvalidEnvelope(f"source {str(source)[:100]!r} is not a Stripe partner event source")
    detail = envelope.get("detail")
    if not isinstance(detail, dict):
        raise InvalidEnvelope("detail is not a Stripe event object")
    try:  # the runtime parsed the JSON already: re-check it with the webhook's bounds (depth, numbers, size)
        bounded = parse_json(json.dumps(detail, allow_nan=False), max_bytes=MAX_DETAIL_BYTES)
    except (DomainError, ValueError, RecursionError) as error:
        raise InvalidEnvelope(f"detail is out of bounds: {getattr(error, 'message', error)}") from error
    event_id, event_type = bounded.get("id"), bounded.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise InvalidEnvelope("detail is not a Stripe event (id and type are required)")
    if envelope.get("detail-type") != event_type:
        raise InvalidEnvelope(f"detail-type {str(envelope.get('detail-type'))[:100]!r} is not the event's type")
    return bounded


def handle(envelope: Any) -> dict[str, Any]:
    """Apply the Stripe event of one EventBridge delivery: its outcome, or an exception that retries it."""
    try:
        stripe_event = stripe_event_of(envelope)
    except InvalidEnvelope as error:
        metrics.add_metric(name="StripeEventBridgeInvalid", unit=MetricUnit.Count, value=1)
        eventbridge_id = envelope.get("id") if isinstance(envelope, dict) else None
        logger.error("invalid EventBridge Stripe event", extra={"eventbridge_id": eventbridge_id, "reason": str(error)})
        raise
    try:
        outcome = handle_event(get_context(), stripe_event)
    except Exception:  # an outage or a bug: nothing was half-written (one transaction); Lambda retries
        logger.exception("stripe event failed", extra={"event_id": stripe_event["id"], "entry": "eventbridge"})
        raise
    logger.info(
        "stripe event",
        extra={
            "event_id": stripe_event["id"],
            "type": stripe_event["type"],
            "outcome": outcome.result,
            "detail": outcome.detail,
            "entry": "eventbridge",
        },
    )
    metrics.add_metric(name=f"StripeEvent_{outcome.result}", unit=MetricUnit.Count, value=1)
    return {"event_id": stripe_event["id"], "outcome": outcome.result}
