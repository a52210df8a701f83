"""Partner emails from the domain events on the bus, and the monthly summary (shared.notifications)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.core.settings import NotifierSettings
from shared.notifications.handler import handle

use_settings(NotifierSettings)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An EventBridge event of the stack's bus, or the monthly schedule's `{"summary": "monthly"}`."""
    return handle(event)
