"""Partner API: each partner, with its own API key, sees its profile, links, leads, commissions and payouts.

The partner id always comes from the credential, never from the request, so no route can reach
another partner's data.
"""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import use_settings
from shared.core.http import make_resolver
from shared.core.observability import logger, metrics, tracer
from shared.core.sections import PARTNER_SECTIONS, Sections
from shared.core.settings import PartnerApiSettings
from shared.partners import partner_api as profile
from shared.partners import partner_auth as auth

use_settings(PartnerApiSettings)
app = make_resolver(authenticate=auth.authenticate_partner_key, openapi_path="/partner/openapi.json")  # auth, then body
app.include_router(profile.router)
sections = Sections(app, PARTNER_SECTIONS)  # the other routers, each with its first request
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    sections.load_for(event)
    return app.resolve(event, context)
