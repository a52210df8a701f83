"""Admin authentication middleware."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response

from shared.context import get_context
from shared.partners.service import authorize_admin


def require_admin(app: Any, next_middleware: Callable[[Any], Response]) -> Response:
    """Refuse the request with 401 unless IAM-authorized (AWS) or carrying the local admin token."""
    event = app.current_event
    authorize_admin(get_context(), dict(event.headers or {}), dict(event.raw_event.get("requestContext") or {}))
    return next_middleware(app)
