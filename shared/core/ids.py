"""Identifiers: time-ordered, random, URL-safe, with a short prefix that says what they name."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, index = divmod(number, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id like `ptr_01jd3k...`: 48 bits of milliseconds then 80 random bits, sortable by creation."""
    millis = int(time.time() * 1000)
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"


def random_code(length: int = 8) -> str:
    """A random referral code of lower-case letters and digits, without look-alike characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
