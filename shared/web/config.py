"""Web settings read once per cold start: the public base URL, the signing key, the staff emails."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from shared.core.observability import logger
from shared.core.secrets import MissingSecret, get_secret

# Locally (DynamoDB Local) a missing key falls back to this, so an old .env keeps working. Never in AWS.
_LOCAL_ONLY_KEY = "local-web-session-secret-do-not-use-in-production"


@dataclass(frozen=True)
class WebConfig:
    """What the web pages need beyond the table: where they are served, how cookies are signed, who is staff."""

    public_base_url: str | None
    signing_key: bytes
    staff_emails: frozenset[str]

    @classmethod
    def from_env(cls) -> WebConfig:
        """PUBLIC_BASE_URL, WEB_SESSION_SECRET (or its _SECRET_ARN) and STAFF_EMAILS."""
        try:
            secret = get_secret("WEB_SESSION_SECRET")
        except MissingSecret:
            if not os.environ.get("DYNAMODB_ENDPOINT"):
                raise
            logger.warning("WEB_SESSION_SECRET is not set: using the local development key")
            secret = _LOCAL_ONLY_KEY
        staff = os.environ.get("STAFF_EMAILS", "")
        return cls(
            public_base_url=(os.environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            signing_key=secret.encode("utf-8"),
            staff_emails=frozenset(e.strip().lower() for e in staff.split(",") if e.strip()),
        )


@lru_cache(maxsize=1)
def web_config() -> WebConfig:
    """The web settings of this process (tests clear the cache with web_config.cache_clear())."""
    return WebConfig.from_env()
