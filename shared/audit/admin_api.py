"""Every successful write of the admin JSON API, recorded once for all its routes: a global middleware of the
admin resolver keeps who (the IAM caller API Gateway verified, else the local admin), when, the method and path,
the partner it is about and the answer's status, in the same audit trail as the console's writes."""

from __future__ import annotations

from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from shared.context import get_context
from shared.core.observability import logger

Resolver = TypeVar("Resolver", bound=ApiGatewayResolver)
READS = frozenset({"GET", "HEAD", "OPTIONS"})
ACTION_PREFIX = "admin_api."
"""Audit actions of the admin API read `admin_api.POST`, `admin_api.PUT`, `admin_api.DELETE`..."""


def _partner_of(route_args: dict[str, Any], body: Any) -> str | None:
    """The partner a write is about: its path's `partner_id`, else the answer's (a partner just created)."""
    found = route_args.get("partner_id")
    if found is None and isinstance(body, dict):
        found = body.get("partner_id")
    return str(found)[:64] if isinstance(found, str) and found else None


def record_admin_writes(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response:
    """Run the route; when it was a write that succeeded (2xx), record it in the audit trail. A refused or
    failed request raises or answers 4xx/5xx and is not recorded (nothing was written)."""
    response = next_middleware(app)
    event = app.current_event
    method = event.http_method.upper()
    if method in READS or not 200 <= response.status_code < 300:
        return response
    from shared.audit import service as audit  # noqa: PLC0415 - with the first write: a read never records
    from shared.commissions.adjustments import staff_principal  # noqa: PLC0415

    request_context = dict(event.raw_event.get("requestContext") or {})
    route_args = dict(app.context.get("_route_args") or {})
    try:
        audit.record(
            get_context(),
            staff_principal(request_context),
            f"{ACTION_PREFIX}{method}",
            partner_id=_partner_of(route_args, response.body),
            detail=f"{method} {event.path} -> {response.status_code}",
        )
    except Exception:  # the write is done: a 500 now would invite a retry that writes it twice
        logger.exception("admin write not audited", extra={"method": method, "path": event.path})
    return response


def audited(app: Resolver) -> Resolver:
    """The resolver with `record_admin_writes` as a global middleware (on every route of every router)."""
    app.use([record_admin_writes])
    return app
