"""Admin API: the company's staff set up the program, partners, plans and links, and run payouts.

In AWS the routes sit behind API Gateway's IAM authorizer; locally behind the bearer token in `.env`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.commissions import admin_api as commissions
from shared.context import use_settings
from shared.core.http import make_resolver
from shared.core.observability import logger, metrics, tracer
from shared.core.settings import AdminApiSettings
from shared.leads import admin_api as leads
from shared.links import admin_api as links
from shared.partners import admin_api as partners
from shared.partners import admin_auth as auth
from shared.payouts import admin_api as payouts
from shared.programs import admin_api as program

use_settings(AdminApiSettings)
app = make_resolver(enable_swagger_path="/admin/swagger")
app.use(middlewares=[auth.require_admin])
for module in (program, partners, links, leads, commissions, payouts):
    app.include_router(module.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    return app.resolve(event, context)
