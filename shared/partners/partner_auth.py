"""Partner authentication: a middleware resolves the API key to a partner id kept in the request context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response

from shared.context import get_context
from shared.partners.service import authenticate_partner, bearer_token

PARTNER_ID_CONTEXT_KEY = "partner_id"


def require_partner(app: Any, next_middleware: Callable[[Any], Response]) -> Response:
    """Refuse the request with 401 unless it carries a valid partner API key."""
    headers = dict(app.current_event.headers or {})
    partner_id = authenticate_partner(get_context(), bearer_token(headers))
    app.append_context(**{PARTNER_ID_CONTEXT_KEY: partner_id})
    return next_middleware(app)


def current_partner_id(router: Any) -> str:
    """The authenticated partner of this request (set by require_partner)."""
    partner_id = router.context.get(PARTNER_ID_CONTEXT_KEY)
    if not partner_id:
        raise RuntimeError("partner route reached without require_partner")
    return str(partner_id)
