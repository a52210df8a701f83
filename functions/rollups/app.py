"""Monthly rollups for the reports, kept from the table's DynamoDB Stream (shared.reports.consumer)."""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.reports.consumer import RollupsSettings, handle

use_settings(RollupsSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A DynamoDB Stream batch of item changes; partial failures reported."""
    return handle(event, context)
