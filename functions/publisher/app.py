"""Outbox events from the table's DynamoDB Stream onto the stack's EventBridge bus (shared.events.publisher).

The event source mapping's filter lets only INSERTs of OutboxEvent items through; partial failures are
reported so Lambda retries from the first failed record, and a batch that keeps failing lands in the DLQ.
"""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.core.settings import PublisherSettings
from shared.events.publisher import handle

use_settings(PublisherSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A stream batch of outbox INSERTs; `batchItemFailures` names the first record to retry."""
    return handle(event)
