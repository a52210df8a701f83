"""Admin authentication, checked by the resolver before a route, a validator or a parser sees the request."""

from __future__ import annotations

from typing import Any

from shared.context import get_context
from shared.partners.service import authorize_admin


def authenticate_admin(event: Any) -> None:
    """Unauthorized (401) unless IAM-authorized (AWS) or carrying the local admin token."""
    authorize_admin(get_context(), dict(event.headers or {}), dict(event.raw_event.get("requestContext") or {}))
