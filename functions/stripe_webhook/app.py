"""POST /webhooks/stripe: Stripe's signature checked on the raw body, the event applied to the ledger
(shared.commissions.stripe_api).
"""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.commissions import stripe_api
from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.core.settings import StripeWebhookSettings

use_settings(StripeWebhookSettings)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    return stripe_api.answer(event)
