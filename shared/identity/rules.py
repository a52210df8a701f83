"""The pure rules of sign-in: lifetimes, when a link may be used, when a session is over."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from shared.identity.models import SignInLink, WebSession

SIGN_IN_LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
# Kept a day past validity so "this link was already used" can still be told apart from "unknown".
TTL_GRACE = timedelta(days=1)
# Hourly limits on sign-in requests: per email (whether or not it is a partner's) and per client IP.
SIGN_IN_REQUESTS_PER_EMAIL = 5
SIGN_IN_REQUESTS_PER_IP = 30


class LinkState(StrEnum):
    """What opening a sign-in link finds."""

    USABLE = "usable"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def link_state(link: SignInLink | None, now: datetime) -> LinkState:
    """Whether a link can still sign someone in."""
    if link is None:
        return LinkState.UNKNOWN
    if link.used_at is not None:
        return LinkState.USED
    if link.valid_until <= now:
        return LinkState.EXPIRED
    return LinkState.USABLE


def session_active(session: WebSession | None, now: datetime, audience: str) -> bool:
    """True when the session exists, belongs to this area and has not run out."""
    return session is not None and session.audience == audience and session.valid_until > now
