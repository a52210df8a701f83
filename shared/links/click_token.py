"""The signed click token: proof, carried by the visitor's browser, that a click on a referral link happened.

The redirect issues it; the lead and Stripe webhook functions verify it without a database read and
without trusting the browser: an HMAC-SHA256 over (link code, partner id, click time, click nonce).

Wire format: `c1_` + base64url(payload) + base64url(mac[:16]) (the last 22 characters), no padding.
It uses only `[A-Za-z0-9_-]` and stays under 200 characters, so it fits Stripe Checkout's
`client_reference_id`, a URL query parameter, a hidden form field and a cookie value unchanged.

Standard library only: the redirect imports this on its hot path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "c1_"
COOKIE_NAME = "rp_click"
"""The first-party cookie the redirect may set with the token, and the lead form reads."""
_MAC_BYTES = 16
_MAC_CHARS = 22  # base64url length of 16 bytes without padding
_SEPARATOR = "|"
MAX_TOKEN_LENGTH = 200


class InvalidClickToken(ValueError):
    """The token is malformed, forged, tampered with, or too old to attribute."""


@dataclass(frozen=True)
class ClickClaim:
    """What a verified click token says: which link and partner, when (epoch seconds), which click."""

    link_code: str
    partner_id: str
    clicked_at: int
    click_nonce: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).digest()[:_MAC_BYTES])


def issue(secret: str, link_code: str, partner_id: str, clicked_at: int, click_nonce: str | None = None) -> str:
    """A signed token for one click on `link_code` of `partner_id` at `clicked_at` (epoch seconds)."""
    nonce = click_nonce or secrets.token_hex(4)
    for part in (link_code, partner_id, nonce):
        if not part or _SEPARATOR in part:
            raise ValueError("click token fields must be non-empty and free of '|'")
    payload = _SEPARATOR.join((link_code, partner_id, str(int(clicked_at)), nonce)).encode("utf-8")
    return f"{PREFIX}{_b64(payload)}{_mac(secret, payload)}"


def verify(token: str, secrets_to_try: list[str] | tuple[str, ...], now: int, max_age_seconds: int) -> ClickClaim:
    """The claim of a genuine token no older than `max_age_seconds`; raises InvalidClickToken otherwise.

    Several secrets may be given so a rotated secret keeps verifying the tokens issued before the rotation.
    """
    claim = genuine_claim(token, secrets_to_try)
    if claim.clicked_at > now + 300:  # small allowance for clock skew between functions
        raise InvalidClickToken("click token is from the future")
    if now - claim.clicked_at > max_age_seconds:
        raise InvalidClickToken("click token has expired (older than the attribution window)")
    return claim


def genuine_claim(token: str, secrets_to_try: list[str] | tuple[str, ...]) -> ClickClaim:
    """The claim of a genuine token, whatever its age (raises InvalidClickToken when forged or malformed).
    Attribution goes through `verify`; this is for reading what an old token names, never for attributing."""
    if not isinstance(token, str) or not token.startswith(PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidClickToken("not a click token")
    body, mac = token[len(PREFIX) : -_MAC_CHARS], token[-_MAC_CHARS:]
    if not body:
        raise InvalidClickToken("not a click token")
    try:
        payload = _unb64(body)
    except (ValueError, TypeError) as error:
        raise InvalidClickToken("not a click token") from error
    if not any(hmac.compare_digest(_mac(secret, payload), mac) for secret in secrets_to_try if secret):
        raise InvalidClickToken("click token signature does not match")
    try:
        link_code, partner_id, clicked_at_text, nonce = payload.decode("utf-8").split(_SEPARATOR)
        clicked_at = int(clicked_at_text)
    except ValueError as error:
        raise InvalidClickToken("click token payload is malformed") from error
    return ClickClaim(link_code=link_code, partner_id=partner_id, clicked_at=clicked_at, click_nonce=nonce)
