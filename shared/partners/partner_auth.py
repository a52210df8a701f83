"""Partner authentication: the resolver resolves the API key to a partner id, kept in the request context,
before a route, a validator or a parser sees the request."""

from __future__ import annotations

from typing import Any

from shared.context import get_context
from shared.partners.service import authenticate_partner, bearer_token

PARTNER_ID_CONTEXT_KEY = "partner_id"


def authenticate_partner_key(event: Any) -> dict[str, str]:
    """The request context of a valid partner API key; Unauthorized (401) otherwise."""
    partner_id = authenticate_partner(get_context(), bearer_token(dict(event.headers or {})))
    return {PARTNER_ID_CONTEXT_KEY: partner_id}


def current_partner_id(router: Any) -> str:
    """The authenticated partner of this request (set by authenticate_partner_key)."""
    partner_id = router.context.get(PARTNER_ID_CONTEXT_KEY)
    if not partner_id:
        raise RuntimeError("partner route reached without authenticate_partner_key")
    return str(partner_id)
