"""Fixed-window rate limits stored in DynamoDB (TTL removes old windows), and the salted IP hash they key on."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from shared.core.clock import epoch_seconds
from shared.core.errors import TooManyRequests
from shared.core.rate_limit_store import RateLimitRepository

WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Window:
    """One fixed window: its name in keys, when it ends (epoch seconds), seconds left."""

    name: str
    ends_at: int
    retry_after: int


def window_at(now: datetime, seconds: int = WINDOW_SECONDS) -> Window:
    """The fixed window holding `now` (windows start at multiples of `seconds` since the epoch)."""
    epoch = epoch_seconds(now)
    start = epoch - epoch % seconds
    return Window(name=f"{seconds}s{start}", ends_at=start + seconds, retry_after=max(1, start + seconds - epoch))


def ip_hash(ip: str, secret: str) -> str:
    """HMAC-SHA256 of the client IP: rate limits need to tell IPs apart, never to store one."""
    return hmac.new(secret.encode("utf-8"), b"lead-ip|" + ip.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class RateLimited(TooManyRequests):
    """A limit was hit; `retry_after` seconds until the window resets (the Retry-After header)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


def enforce(
    repository: RateLimitRepository,
    scope: str,
    subject: str,
    *,
    limit: int,
    now: datetime,
    seconds: int = WINDOW_SECONDS,
) -> None:
    """Count a hit against (scope, subject) in the current window; raise RateLimited past `limit`."""
    window = window_at(now, seconds)
    # Keep the counter one window past its end so a late TTL sweep never resets a live window.
    if not repository.hit(scope, subject, window.name, limit=limit, expires_at=window.ends_at + seconds):
        raise RateLimited(
            f"too many lead submissions; try again in {window.retry_after} seconds", retry_after=window.retry_after
        )
