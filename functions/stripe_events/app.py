"""Stripe events through Amazon EventBridge (a Stripe event destination): the same ledger code and idempotency as
POST /webhooks/stripe (shared.commissions.eventbridge). Raising makes Lambda retry, then dead-letter, the event.
"""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.commissions import eventbridge
from shared.commissions.eventbridge import StripeEventsSettings
from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer

use_settings(StripeEventsSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point: one Stripe event per invocation."""
    return eventbridge.handle(event)
