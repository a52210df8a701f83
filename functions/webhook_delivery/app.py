"""Outgoing webhooks, delivery worker: each SQS message wakes one delivery up; a due one is POSTed signed, logged,
and its retry scheduled with back-off (shared.webhooks.worker)."""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.webhooks.consumer import WebhookSettings
from shared.webhooks.worker import handle

use_settings(WebhookSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch of wake-ups; `batchItemFailures` names the messages to redeliver."""
    return handle(event, context)
