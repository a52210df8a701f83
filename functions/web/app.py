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

from shared.core.observability import logger, metrics, tracer
from shared.core.sections import Sections
from shared.notifications import web as notifications
from shared.portal import web as portal
from shared.web.pages import make_web_resolver

app = make_web_resolver()
for module in (portal, notifications):  # a partner's pages: the portal, most of this function's requests
    app.include_router(module.router)
CONSOLE = ("shared.console.web", "shared.reports.console_web", "shared.webhooks.console_web")  # staff; /apply
sections = Sections(app, {"/console": CONSOLE, "/apply": CONSOLE})  # with their first request
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    sections.load_for(event)
    return app.resolve(event, context)
