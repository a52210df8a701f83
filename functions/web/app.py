"""Web pages: the partner portal at /portal (and its static assets), server-rendered HTML.

Sign-in, sessions, CSRF, security headers and languages come from shared.web and shared.identity; each
page calls the services of the slices it shows. The staff console (/console) and the public application
(/apply) are served here too (shared.console).
"""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.console import web as console
from shared.core.observability import logger, metrics, tracer
from shared.notifications import web as notifications
from shared.portal import web as portal
from shared.reports import console_web as reports_console
from shared.web.pages import make_web_resolver
from shared.webhooks import console_web as webhooks_console

app = make_web_resolver()
app.include_router(portal.router)
app.include_router(console.router)
app.include_router(reports_console.router)
app.include_router(notifications.router)
app.include_router(webhooks_console.router)
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    return app.resolve(event, context)
