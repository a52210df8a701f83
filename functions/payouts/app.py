"""Monthly payout run: the schedule, a manual {"period": "YYYY-MM", "dry_run": bool} invoke, or one SQS
message per payable shard (shared.payouts.handler).
"""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.core.settings import PayoutsSettings
from shared.payouts.handler import handle

use_settings(PayoutsSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduler/manual invoke, or an SQS batch of shard messages."""
    return handle(event, context)
