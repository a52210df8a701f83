"""The `Stripe-Signature` check of a webhook delivery, in the standard library (hmac, hashlib).

Stripe documents the scheme (https://docs.stripe.com/webhooks#verify-manually): the header is
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint secret>[,v1=...]` (several `v1`
while a secret is being rolled). This is exactly `stripe.WebhookSignature.verify_header` of stripe-python
(same parsing, a constant-time comparison, the same "too old" rule; a unit test holds the two equal over
every case), without `import stripe`: the package loads its HTTP client (requests, asyncio) at import, about
30 ms of every webhook cold start for a check that needs none of it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

EXPECTED_SCHEME = "v1"


class SignatureVerificationError(ValueError):
    """The signature is missing, malformed, does not match the body under the secret, or is too old."""


def verify_header(
    payload: str | bytes,
    header: str | None,
    secret: str | None,
    tolerance: int | None = None,
    *,
    now: Callable[[], float] = time.time,
) -> None:
    """Raise SignatureVerificationError unless `header` signs `payload` with `secret` (and, with `tolerance`,
    its timestamp is at most that many seconds old)."""
    text = payload.decode("utf-8") if isinstance(payload, bytes | bytearray) else payload
    if not header:
        raise SignatureVerificationError("no Stripe-Signature header")
    if secret is None or not secret.strip(" \t\r\n\f\v"):
        raise SignatureVerificationError("no webhook secret")
    try:
        parts = [item.split("=", 2) for item in header.split(",")]
        timestamp = int(next(part[1] for part in parts if part[0] == "t"))
        signatures = [part[1] for part in parts if part[0] == EXPECTED_SCHEME]
    except (StopIteration, IndexError, ValueError) as error:
        raise SignatureVerificationError("unable to extract timestamp and signatures from header") from error
    if not signatures:
        raise SignatureVerificationError(f"no signatures with the expected scheme {EXPECTED_SCHEME}")
    expected = hmac.new(secret.encode("utf-8"), f"{timestamp}.{text}".encode(), hashlib.sha256).hexdigest().encode()
    # Compared as bytes: a non-ASCII signature is a mismatch, not a TypeError (stripe-python would raise one).
    if not any(hmac.compare_digest(expected, s.encode("utf-8", "surrogatepass")) for s in signatures):
        raise SignatureVerificationError("no signature matches the payload")
    if tolerance and timestamp < now() - tolerance:
        raise SignatureVerificationError(f"timestamp outside the tolerance zone ({timestamp})")
