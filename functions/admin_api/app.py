"""Admin API (/admin/...): IAM in AWS, `.env` bearer token locally; writes audited; Swagger UI on first use (~30 ms)."""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
import functools
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.audit.admin_api import audited
from shared.context import use_settings
from shared.core.http import make_resolver
from shared.core.observability import logger, metrics, tracer
from shared.core.sections import ADMIN_SECTIONS, Sections
from shared.core.settings import AdminApiSettings
from shared.links import admin_api as links
from shared.partners import admin_api as partners
from shared.partners import admin_auth as auth
from shared.programs import admin_api as program

SWAGGER_PATH = "/admin/swagger"
use_settings(AdminApiSettings)
app = audited(make_resolver(authenticate=auth.authenticate_admin, openapi_path="/admin/openapi.json"))  # auth, body
for module in (program, partners, links):
    app.include_router(module.router)
sections = Sections(app, ADMIN_SECTIONS)  # the other routers, each with its first request
enable_swagger = functools.cache(lambda: app.enable_swagger(path=SWAGGER_PATH, title="Referral partner program API"))
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    if str(event.get("rawPath", "")).startswith(SWAGGER_PATH):
        enable_swagger()
    sections.load_for(event)
    return app.resolve(event, context)
