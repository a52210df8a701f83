"""Destination safety: a redirect only ever goes to an http(s) URL on a domain the program allows.

Standard library only: the redirect function uses this on its hot path.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# An ASCII DNS name (IDN hosts must be given in punycode). A browser normalises Unicode and percent-encoded
# hosts before resolving them, so anything else could resolve elsewhere than the string we checked.
_HOSTNAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*\.?$")

# Control characters, space, DEL and backslash: browsers strip or reinterpret them (`\` becomes `/`).
_FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]")


def host_allowed(host: str, allowed_domains: list[str] | tuple[str, ...]) -> bool:
    """True when host is an allowed domain or a subdomain of one (`www.example.com` under `example.com`)."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in allowed_domains)


def safe_destination(candidate: str, allowed_domains: list[str] | tuple[str, ...]) -> str | None:
    """The candidate URL if it is an absolute http(s) URL on an allowed domain, else None.

    Refuses scheme-relative (`//evil`), backslash and control-character tricks, user-info
    (`https://allowed@evil`), other schemes (`javascript:`), and look-alike hosts
    (`allowed.example.evil.example`), and percent-encoded or Unicode hosts (`evil%2f.allowed.example`).
    """
    if not candidate or len(candidate) > 2048:
        return None
    if _FORBIDDEN_CHARACTER.search(candidate):
        return None
    if "%5c" in candidate.lower() or "%00" in candidate:
        return None
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        return None
    if port is not None and port not in (80, 443):
        return None
    if not _HOSTNAME.match(parts.hostname):
        return None
    if not host_allowed(parts.hostname, allowed_domains):
        return None
    return candidate
