"""Partner API: each partner, with its own API key, sees its profile, links, leads, commissions and payouts.

The partner id always comes from the credential, never from the request, so no route can reach
another partner's data.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.api.partner import auth, commissions, leads, links, payouts, profile
from shared.http import make_resolver
from shared.observability import logger, metrics, tracer

app = make_resolver()
app.use(middlewares=[auth.require_partner])
for module in (profile, links, leads, commissions, payouts):
    app.include_router(module.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    return app.resolve(event, context)
