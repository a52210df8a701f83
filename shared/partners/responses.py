"""The bodies the partner routes answer, for the published OpenAPI documents only (shared.core.openapi:
imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from datetime import datetime

from shared.core.entity import Model
from shared.partners.models import Partner


class PartnerPage(Model):
    """GET /admin/partners: one page of partners and the cursor of the next one (null on the last page)."""

    items: list[Partner]
    next_cursor: str | None


class ApiKeyView(Model):
    """A partner API key as staff see it: never the secret, never its hash."""

    key_id: str
    partner_id: str
    program_id: str
    label: str | None = None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None


class IssuedApiKey(ApiKeyView):
    """POST /admin/partners/{id}/api-keys: the key, with its secret shown this once."""

    api_key: str


class ApiKeyList(Model):
    """GET /admin/partners/{id}/api-keys."""

    items: list[ApiKeyView]
