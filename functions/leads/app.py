"""POST /leads (and its CORS preflight): the referral landing page's lead form (shared.leads.form_api)."""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.observability import logger, metrics, tracer
from shared.core.settings import LeadsSettings
from shared.leads import form_api

use_settings(LeadsSettings)
app = form_api.app
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    return form_api.resolve(event, context)
