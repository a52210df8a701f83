"""Pure rules of outgoing webhooks: which URLs and addresses an endpoint may use, how a delivery is signed,
its body, and when a failed attempt is tried again. No I/O here (DNS answers are passed in)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from shared.events.types import ALL as EVENT_TYPES

SIGNATURE_HEADER = "Referral-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of generated secrets, not a secret
MAX_URL_LENGTH = 2048
MAX_EVENT_TYPES = len(EVENT_TYPES)
ATTEMPT_TIMEOUT_SECONDS = 5.0
EXCERPT_CHARACTERS = 200
"""How much of a receiver's answer is kept (the rest is never stored)."""

RETRY_DELAYS_SECONDS: tuple[int, ...] = (10, 30, 120, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800, 28800)
"""Wait after each failed attempt: 12 retries, the last about 32 hours after the first try (>= 24 h); the
first two come within a minute. A deterministic 0-10 % jitter per delivery spreads an outage's backlog."""

ROTATION_GRACE_SECONDS = 24 * 3600
"""After a secret rotation, deliveries carry a second `v1` signature made with the old secret this long."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_HOSTNAME = re.compile(
    r"^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$"
)
_FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]")

# Ranges `ipaddress` does not flag (or flags only in newer Pythons) that no public receiver lives on.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (shared address space)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "64:ff9b:1::/48",  # local-use NAT64
        "2001:db8::/32",  # documentation
    )
)


class UrlRefused(ValueError):
    """An endpoint URL (or the address it resolves to) that deliveries may not go to; the message says why."""


@dataclass(frozen=True)
class EndpointUrl:
    """A checked endpoint URL: its host and port, and whether it is the local stack's loopback exception."""

    url: str
    host: str
    port: int
    https: bool
    loopback: bool


def check_url(url: str, *, allow_loopback: bool) -> EndpointUrl:
    """The URL if deliveries may go to it, else UrlRefused: public `https://host[:port]/path` (no user-info,
    no fragment); with `allow_loopback` (the local stack) also `http://127.0.0.1:<port>/...`."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"the URL must be 1 to {MAX_URL_LENGTH} characters")
    if _FORBIDDEN_CHARACTER.search(url):
        raise UrlRefused("the URL contains spaces, control characters or a backslash")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UrlRefused("the URL is not a valid absolute URL") from error
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise UrlRefused("the URL must be absolute and start with https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused("the URL must not contain a user name or password")
    if parts.fragment:
        raise UrlRefused("the URL must not contain a #fragment")
    loopback = host in LOOPBACK_HOSTS
    if loopback and allow_loopback:
        return EndpointUrl(url, host, port or (443 if parts.scheme == "https" else 80), parts.scheme == "https", True)
    if parts.scheme != "https":
        raise UrlRefused("the URL must use https:// (plain http is accepted only for 127.0.0.1 on a local stack)")
    if _literal_address(host) is not None:
        refusal = address_refusal(host)
        if refusal:
            raise UrlRefused(f"the URL points to {refusal} ({host}); use a public address or name")
    elif not _HOSTNAME.match(host) or "." not in host.rstrip("."):
        raise UrlRefused("the URL's host must be a public DNS name (IDN names in punycode) or a public address")
    elif host.rstrip(".").endswith((".localhost", ".local", ".internal")) or host == "localhost":
        raise UrlRefused(f"the URL's host {host} is not a public name")
    return EndpointUrl(url, host.rstrip("."), port or 443, True, False)


def is_address(host: str) -> bool:
    """True when the host is an IP address literal (no DNS lookup needed to judge it)."""
    return _literal_address(host) is not None


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def address_refusal(address: str) -> str | None:
    """Why deliveries may not go to this IP address (private, loopback, link-local, multicast, reserved, ...),
    or None for a public unicast address. IPv4-mapped and NAT64-embedded IPv4 addresses are judged as IPv4."""
    ip = _literal_address(address)
    if ip is None:
        return "an unparseable address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_refusal(str(embedded))
    checks = (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (any(ip in n for n in _EXTRA_BLOCKED if n.version == ip.version), "a reserved address"),
        (not ip.is_global, "a non-public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def check_resolved(host: str, addresses: Sequence[str]) -> str:
    """The first address to connect to when every address `host` resolved to is public, else UrlRefused (one
    private answer is enough to refuse: a resolver may rotate answers between our check and a later lookup)."""
    if not addresses:
        raise UrlRefused(f"the URL's host {host} does not resolve")
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise UrlRefused(f"the URL's host {host} resolves to {refusal} ({address})")
    return addresses[0]


def check_event_types(types: Iterable[str]) -> list[str]:
    """The subscribed event types, deduplicated, in the catalogue's order; a ValueError names unknown ones."""
    wanted = set(types)
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}")
    if not wanted:
        raise ValueError(f"subscribe to at least one event type: {', '.join(EVENT_TYPES)}")
    return [t for t in EVENT_TYPES if t in wanted]


# ---------------------------------------------------------------- secrets and signatures
def new_secret() -> str:
    """A new signing secret: `whsec_` + 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 keyed with the secret over `"<timestamp>.<raw body>"` (Stripe's scheme)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(signing_secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex>[,v1=<hex>]`: one v1 per secret (the current one first, then one still in its grace
    period after a rotation), as Stripe does, so a receiver accepts whichever secret it holds."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in signing_secrets)])


def verify_signature(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """True when `header` carries a v1 signature of `body` with `secret`, timestamped within `tolerance`
    seconds of `now` (what a receiver runs; the tests use it as one)."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [v for k, v in fields if k == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or abs(now - int(timestamps[0])) > tolerance:
        return False
    expected = signature(secret, int(timestamps[0]), body)
    return any(k == "v1" and hmac.compare_digest(v, expected) for k, v in fields)


def delivery_body(event: Mapping[str, Any]) -> str:
    """The JSON body of every attempt of an event's delivery: `{"id", "type", "created", "data"}` (compact,
    keys in that order). Stored once, so a retry sends the very same bytes."""
    body = {"id": event["id"], "type": event["type"], "created": int(event["created"]), "data": event.get("data")}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def delivery_id(endpoint_id: str, event_id: str) -> str:
    """The delivery of an event to an endpoint: derived from the pair, so a redelivered event finds its
    delivery instead of making a second one."""
    return "whd_" + hashlib.sha256(f"{endpoint_id}:{event_id}".encode()).hexdigest()[:26]


# ---------------------------------------------------------------- retries
def retry_delay(failed_in_round: int, delivery: str) -> int | None:
    """Seconds to wait after the `failed_in_round`-th failed attempt (1-based) of a delivery's current round,
    or None when the round's retries are spent (the delivery is given up). Deterministic jitter of 0-10 %."""
    if failed_in_round < 1 or failed_in_round > len(RETRY_DELAYS_SECONDS):
        return None
    base = RETRY_DELAYS_SECONDS[failed_in_round - 1]
    spread = int(hashlib.sha256(f"{delivery}:{failed_in_round}".encode()).hexdigest()[:4], 16) / 0xFFFF
    return base + int(base * 0.1 * spread)


def succeeded(status_code: int | None) -> bool:
    """A 2xx answer ends a delivery; anything else (other statuses, timeouts, refused connections) is retried."""
    return status_code is not None and 200 <= status_code < 300


def excerpt(raw: bytes) -> str:
    """The first characters of a receiver's answer, as text, for the attempt log (nothing more is kept)."""
    return raw[: EXCERPT_CHARACTERS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS]
