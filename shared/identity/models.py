"""One-time sign-in links and browser sessions, each stored only under the SHA-256 of its secret."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from shared.core import keys
from shared.core.entity import Entity


class Audience(StrEnum):
    """Which area a link or session opens: the partner portal or the staff console."""

    PORTAL = "portal"
    CONSOLE = "console"


class SignInLink(Entity):
    """An emailed sign-in link: single use, valid until `valid_until`; removed by TTL a day later."""

    entity_type: ClassVar[str] = "sign_in_link"

    token_hash: str
    audience: Audience
    principal_id: str  # the partner id, or the staff member's email
    email: str
    program_id: str
    created_at: datetime
    valid_until: datetime
    used_at: datetime | None = None
    expires_at: int  # TTL, epoch seconds

    def keys(self) -> dict[str, str]:
        """Addressed by the token's hash: one read to show it, one conditional write to consume it."""
        return keys.sign_in_link(self.token_hash)


class WebSession(Entity):
    """A signed-in browser: who, for which area, until when. Deleting it signs that browser out."""

    entity_type: ClassVar[str] = "web_session"

    session_hash: str
    audience: Audience
    principal_id: str
    email: str
    program_id: str
    created_at: datetime
    valid_until: datetime
    expires_at: int  # TTL, epoch seconds

    def keys(self) -> dict[str, str]:
        """Addressed by the hash of the session id its cookie carries."""
        return keys.web_session(self.session_hash)
