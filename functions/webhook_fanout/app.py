"""Outgoing webhooks, fan-out: an event of the stack's bus (one rule, every type) becomes one delivery per
subscribed endpoint and a wake-up of the delivery worker (shared.webhooks.consumer)."""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.webhooks.consumer import WebhookSettings, handle

use_settings(WebhookSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An EventBridge event; raising makes EventBridge retry it (its deliveries are never doubled)."""
    return handle(event, context)
