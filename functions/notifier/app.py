"""Partner emails from the domain events on the bus, and the monthly summary (shared.notifications)."""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.core.settings import NotifierSettings
from shared.notifications.handler import handle

use_settings(NotifierSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An EventBridge event of the stack's bus, or the monthly schedule's `{"summary": "monthly"}`."""
    return handle(event)
