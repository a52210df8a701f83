"""Signing, CSRF tokens and the security headers of every page. Pure functions: no I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SIGNATURE_BYTES = 24

# No inline script or style anywhere: everything comes from /static on this origin. Inline SVG (QR codes,
# charts) is markup, not a resource load, so it needs no source. Forms post here only; the payout settings'
# form is answered by a redirect to Stripe's hosted onboarding, which form-action must allow.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self' https://connect.stripe.com; frame-ancestors 'none'; base-uri 'none'"
)


def security_headers(*, secure: bool) -> dict[str, str]:
    """The headers every HTML answer carries (HSTS only over HTTPS)."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # Sign-in links carry their token in the URL: never send it (or any page address) to another site.
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def _mac(key: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(key, f"{purpose}|{value}".encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, purpose: str, value: str) -> str:
    """`value.signature`: HMAC-SHA256 over the purpose and the value, so a cookie of one kind never passes as
    another."""
    return f"{value}.{_mac(key, purpose, value)}"


def unsign(key: bytes, purpose: str, signed: str | None) -> str | None:
    """The value of a string `sign` produced with the same key and purpose, else None (tampered, foreign)."""
    if not signed or len(signed) > 512 or "." not in signed:
        return None
    value, _, signature = signed.rpartition(".")
    if not value or not hmac.compare_digest(signature.encode(), _mac(key, purpose, value).encode()):
        return None
    return value


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe token (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def csrf_token(key: bytes, binding: str) -> str:
    """The CSRF token of every form of a browser: bound to its session id, or before sign-in to the random
    value of its CSRF cookie. A page of another site can read neither, so it cannot forge a form."""
    return _mac(key, "csrf", binding)


def csrf_valid(key: bytes, binding: str | None, presented: str | None) -> bool:
    """True when the form's token is the one this browser's binding yields."""
    if not binding or not presented or len(presented) > 128:
        return False
    return hmac.compare_digest(presented.encode(), csrf_token(key, binding).encode())
