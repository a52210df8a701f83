"""The redirect of `GET /r/{code}`: where a click goes, what it carries, whether it counts.

Hot path: boto3, the standard library and the stdlib-only shared modules; no pydantic, stripe or Powertools
(a unit test imports the redirect function in a fresh interpreter and checks). The pure rules
(`choose_destination`, `with_referral_params`, `click_cookie`) take plain values; `Redirector` wires them to
a warm in-memory cache, the click counter and the click-token secret.

Round trips: the link and the program are cached for CACHE_SECONDS per container, so a warm click costs one
DynamoDB request, the counter UpdateItem; bots and HEAD requests cost none. A pause or an expiry therefore
takes effect within CACHE_SECONDS. When DynamoDB fails the visitor is still redirected (from a stale cache
entry if there is one) and the failure is logged.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botocore.config import Config

from shared.core import keys
from shared.core.clock import from_iso
from shared.core.dynamo import Table, make_client
from shared.core.emf import EmfCounter
from shared.core.secrets import read_secret
from shared.core.settings import RedirectSettings
from shared.core.urls import host_allowed, safe_destination
from shared.links import click_token
from shared.links.click_rules import is_bot, shard_of, utc_day, visitor_hash, visitor_salt
from shared.links.click_store import ClickRepository
from shared.partners import policy

logger = logging.getLogger("redirect")

CACHE_SECONDS = 30.0
CACHE_MAX_ENTRIES = 10_000  # unknown codes are cached too: a scan of random codes must not grow memory forever
SECRET_RETRY_SECONDS = 30.0
COOKIE_NAME = click_token.COOKIE_NAME
REF_PARAM = "ref"
CLICK_ID_PARAM = "click_id"
DEEP_LINK_PARAM = "to"
_CODE = re.compile(keys.LINK_CODE_PATTERN)

T = TypeVar("T")

# The same few destinations are checked on every click: remember the verdicts (bounded; pure function).
_safe = functools.lru_cache(maxsize=4096)(safe_destination)


@dataclass(frozen=True)
class LinkView:
    """What the redirect needs of a referral link item."""

    code: str
    partner_id: str
    status: str
    destination: str | None
    utm: tuple[tuple[str, str], ...]
    expires_at: float | None  # epoch seconds
    # The partner's status copied onto the link (docs/status-policy.md); a link written before the copy
    # existed counts as active here only, every attributing path reads the partner itself.
    partner_status: str = policy.ACTIVE

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> LinkView:
        """From the stored item (plain values, as `Table.get` returns them)."""
        expires = item.get("expires_at")
        return cls(
            code=str(item["code"]),
            partner_id=str(item["partner_id"]),
            status=str(item.get("status", "")),
            destination=item.get("destination") or None,
            utm=tuple(sorted((str(k), str(v)) for k, v in (item.get("utm") or {}).items())),
            expires_at=_epoch(expires) if isinstance(expires, str) else None,
            partner_status=str(item.get("partner_status") or policy.ACTIVE),
        )

    def is_live(self, now: float) -> bool:
        """The status policy's verdict: only an active, unexpired link of an active partner counts clicks and
        issues click tokens; any other goes to the fallback without them."""
        return policy.redirect_tracks(self.partner_status, policy.link_state(self.status, self.expires_at, now))


@dataclass(frozen=True)
class ProgramView:
    """What the redirect needs of the program item."""

    allowed_domains: tuple[str, ...]
    landing_url: str | None
    fallback_url: str | None
    attribution_window_days: int
    cookie_domain: str | None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ProgramView:
        """From the stored item (plain values)."""
        return cls(
            allowed_domains=tuple(str(d) for d in item.get("allowed_destination_domains") or ()),
            landing_url=item.get("landing_url") or None,
            fallback_url=item.get("fallback_url") or None,
            attribution_window_days=int(item.get("attribution_window_days") or 90),
            cookie_domain=item.get("cookie_domain") or None,
        )

    def fallback(self) -> str | None:
        """Where unknown, paused and expired links go: the fallback URL, else the landing page."""
        for url in (self.fallback_url, self.landing_url):
            if url and _safe(url, self.allowed_domains):
                return url
        return None


def _epoch(iso: str) -> float | None:
    try:
        return from_iso(iso).timestamp()
    except ValueError:
        return None


# ---------------------------------------------------------------- pure rules
def choose_destination(link: LinkView, program: ProgramView, deep_link: str | None) -> str | None:
    """The URL a live link sends its visitor to, or None when neither the link nor the program has a safe one.

    A deep link (`?to=`) may pick a path on the link's destination host (`/pricing`) or a full URL, but only
    within the allowed domains; anything else is ignored, so the link can never become an open redirect.
    """
    base = next(
        (u for u in (link.destination, program.landing_url) if u and _safe(u, program.allowed_domains)),
        None,
    )
    if deep_link:
        chosen = _deep_link_url(deep_link, base, program.allowed_domains)
        if chosen:
            return chosen
    return base


def _deep_link_url(deep_link: str, base: str | None, allowed: tuple[str, ...]) -> str | None:
    if deep_link.startswith("/"):
        # A path: only "/x", never "//host" or "/\host" (browsers read both as another host).
        if base is None or deep_link.startswith(("//", "/\\")):
            return None
        parts = urlsplit(base)
        path, _, query = deep_link.partition("?")
        path, _, fragment = path.partition("#")
        candidate = urlunsplit((parts.scheme, parts.netloc, path, query, fragment))
    else:
        candidate = deep_link
    return _safe(candidate, allowed)


UTM_PARAMS = frozenset({"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"})
MAX_UTM_LENGTH = 100


def merged_utm(
    link_utm: tuple[tuple[str, str], ...], visit_utm: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """The link's UTM tags with the shared URL's on top (a share button's channel is more precise)."""
    if not visit_utm:
        return link_utm
    return tuple(sorted({**dict(link_utm), **dict(visit_utm)}.items()))


def with_referral_params(url: str, ref: str, click_id: str | None, utm: tuple[tuple[str, str], ...]) -> str:
    """The URL plus `ref` and `click_id` (ours always win: a destination cannot smuggle in another partner's)
    and the link's UTM tags (the destination's own UTM tags win: the site set them on purpose).
    """
    parts = urlsplit(url)
    existing = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in (REF_PARAM, CLICK_ID_PARAM)
    ]
    present = {k for k, _ in existing}
    added = [(REF_PARAM, ref)]
    if click_id:
        added.append((CLICK_ID_PARAM, click_id))
    added.extend((k, v) for k, v in utm if k not in present)
    query = urlencode(existing + added)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def click_cookie(token: str, program: ProgramView, redirect_host: str | None, destination: str) -> str | None:
    """The first-party `rp_click` cookie, when the program sets a cookie domain that is the parent of both the
    redirect's host and the destination's (else the browser would refuse it, or the site could not read it).

    Not HttpOnly on purpose: the company's pages read it with JavaScript to put the click id into the lead
    form and Stripe Checkout's client_reference_id. It holds no secret: the token is signed, not encrypted.
    """
    domain = program.cookie_domain
    if not domain or not redirect_host:
        return None
    destination_host = urlsplit(destination).hostname or ""
    host = redirect_host.split(":", 1)[0]
    if not (host_allowed(host, [domain]) and host_allowed(destination_host, [domain])):
        return None
    max_age = program.attribution_window_days * 86400
    return f"{COOKIE_NAME}={token}; Domain={domain}; Path=/; Max-Age={max_age}; Secure; SameSite=Lax"


# ---------------------------------------------------------------- cache
class TtlCache(Generic[T]):
    """A small per-container cache with a time to live; expired entries stay readable as stale on errors."""

    def __init__(self, seconds: float = CACHE_SECONDS, max_entries: int = CACHE_MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, now: float, *, stale: bool = False) -> tuple[bool, T | None]:
        """(found, value): a fresh entry, or with `stale=True` any entry however old."""
        entry = self._entries.get(key)
        if entry is None or (not stale and now - entry[0] > self.seconds):
            return False, None
        return True, entry[1]

    def put(self, key: str, value: T, now: float) -> None:
        """Store a value; when full, drop the oldest half (dicts keep insertion order)."""
        with self._lock:
            if len(self._entries) >= self.max_entries and key not in self._entries:
                for old in list(self._entries)[: self.max_entries // 2]:
                    del self._entries[old]
            self._entries.pop(key, None)
            self._entries[key] = (now, value)

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._entries.clear()


# ---------------------------------------------------------------- the redirect
@dataclass(frozen=True)
class Visit:
    """One request to /r/{code}, as the redirect needs it."""

    code: str
    method: str
    source_ip: str
    user_agent: str
    host: str | None
    deep_link: str | None
    # UTM tags on the shared URL (the portal's share buttons name their channel): they override the link's own.
    utm: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Visit:
        """From an API Gateway HTTP API (v2) event; the IP is API Gateway's, not a spoofable header."""
        http = (event.get("requestContext") or {}).get("http") or {}
        headers = event.get("headers") or {}
        deep_link = None
        utm: dict[str, str] = {}
        for key, value in parse_qsl(event.get("rawQueryString") or "", keep_blank_values=False):
            if key == DEEP_LINK_PARAM and deep_link is None:
                deep_link = value
            elif key in UTM_PARAMS and len(value) <= MAX_UTM_LENGTH:
                utm.setdefault(key, value)
        return cls(
            code=str((event.get("pathParameters") or {}).get("code") or ""),
            method=str(http.get("method") or "GET").upper(),
            source_ip=str(http.get("sourceIp") or ""),
            user_agent=str(headers.get("user-agent") or http.get("userAgent") or ""),
            host=headers.get("host") or (event.get("requestContext") or {}).get("domainName"),
            deep_link=deep_link,
            utm=tuple(sorted(utm.items())),
        )


@dataclass(frozen=True)
class Answer:
    """The HTTP answer: status, headers, cookies (API Gateway v2 shape)."""

    status: int
    location: str | None = None
    cookie: str | None = None

    def to_response(self) -> dict[str, Any]:
        """The Lambda proxy response. 302 (a 301 would be cached and swallow later clicks), never cached."""
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "strict-origin-when-cross-origin"}
        response: dict[str, Any] = {"statusCode": self.status, "headers": headers, "body": ""}
        if self.location:
            headers["Location"] = self.location
        else:
            headers["Content-Type"] = "text/plain; charset=utf-8"
            response["body"] = "This referral link is not available.\n" if self.status == 404 else "Try again.\n"
            if self.status == 503:
                headers["Retry-After"] = "5"
        if self.cookie:
            response["cookies"] = [self.cookie]
        return response


_MISSING = object()


class Redirector:
    """Answers clicks: cached link and program reads, one counter write per counted click, fail open."""

    def __init__(
        self,
        clicks: ClickRepository,
        program_id: str,
        click_secret: Callable[[], str | None],
        *,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = CACHE_SECONDS,
        metrics: EmfCounter | None = None,
    ) -> None:
        self.clicks = clicks
        self.metrics = metrics  # Clicks / ClicksNotCounted (docs/observability.md)
        self.program_id = program_id
        self.clock = clock
        self._secret_source = click_secret
        self._secret: str | None = None
        self._salt: bytes | None = None
        self._secret_retry_at = 0.0
        self.links: TtlCache[LinkView | None] = TtlCache(cache_seconds)
        self.programs: TtlCache[ProgramView | None] = TtlCache(cache_seconds)

    def answer(self, visit: Visit) -> Answer:
        """The redirect for one visit (never raises for a DynamoDB failure)."""
        now = self.clock()
        program = self._cached(self.programs, self.program_id, now, self._load_program)
        if program is _MISSING:
            return Answer(503)
        fallback = program.fallback() if isinstance(program, ProgramView) else None
        link = self._cached(self.links, visit.code, now, self._load_link) if _CODE.match(visit.code) else None
        if not isinstance(program, ProgramView) or not isinstance(link, LinkView) or not link.is_live(now):
            return Answer(302, fallback) if fallback else Answer(404)
        destination = choose_destination(link, program, visit.deep_link)
        if destination is None:
            return Answer(302, fallback) if fallback else Answer(404)
        utm = merged_utm(link.utm, visit.utm)
        if is_bot(visit.user_agent, visit.method):
            # Previews and crawlers: redirected with the ref code, but no click id (it would end up in search
            # indexes and shared previews), no cookie and no write.
            return Answer(302, with_referral_params(destination, link.code, None, utm))
        token = self._count_and_sign(link, visit, now)
        location = with_referral_params(destination, link.code, token, utm)
        cookie = click_cookie(token, program, visit.host, destination) if token else None
        return Answer(302, location, cookie)

    def _count_and_sign(self, link: LinkView, visit: Visit, now: float) -> str | None:
        secret = self._click_secret()
        if secret is None or self._salt is None:
            return None  # logged in _click_secret; the visitor still reaches the site
        clicked_at = int(now)
        day = utc_day(clicked_at)
        visitor = visitor_hash(self._salt, day, visit.source_ip, visit.user_agent)
        try:
            self.clicks.record_click(link.code, shard_of(visitor), day, visitor, clicked_at)
        except Exception as error:  # a lost count must never lose the visitor
            _log("click_not_counted", code=link.code, error=repr(error))
            self._count("ClicksNotCounted")
        else:
            self._count("Clicks")
        return click_token.issue(secret, link.code, link.partner_id, clicked_at)

    def _count(self, name: str) -> None:
        if self.metrics is not None:
            self.metrics.count(name)

    def _click_secret(self) -> str | None:
        if self._secret is None and self.clock() >= self._secret_retry_at:
            try:
                self._secret = self._secret_source() or None
            except Exception as error:  # Secrets Manager down: redirect without a click id, retry later
                _log("click_secret_unavailable", error=repr(error))
            if self._secret:
                self._salt = visitor_salt(self._secret)
            else:
                # Not configured or unreachable: do not ask again on every click.
                self._secret_retry_at = self.clock() + SECRET_RETRY_SECONDS
                _log("click_secret_missing", retry_in_seconds=SECRET_RETRY_SECONDS)
        return self._secret

    def _cached(self, cache: TtlCache[Any], key: str, now: float, load: Callable[[str], Any]) -> Any:
        found, value = cache.get(key, now)
        if found:
            return value
        try:
            value = load(key)
        except Exception as error:  # fail open: serve what we last knew
            _log("read_failed", key=key, error=repr(error))
            found, value = cache.get(key, now, stale=True)
            return value if found else _MISSING
        cache.put(key, value, now)
        return value

    def _load_link(self, code: str) -> LinkView | None:
        item = self.clicks.link_item(code)
        return LinkView.from_item(item) if item else None

    def _load_program(self, program_id: str) -> ProgramView | None:
        item = self.clicks.program_item(program_id)
        return ProgramView.from_item(item) if item else None


def _log(event: str, **fields: Any) -> None:
    logger.warning(json.dumps({"event": event, **fields}, default=str))


# ---------------------------------------------------------------- wiring
# Fail fast: a slow DynamoDB must cost the visitor at most about a second before we redirect anyway.
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 2, "mode": "standard"})


def build_redirector(settings: RedirectSettings, metrics: EmfCounter | None = None) -> Redirector:
    """A container's redirector: its table client (fail-fast), the click-token secret, read when first needed, and
    the click metrics (EMF lines on stdout) when given."""
    table = Table(client=make_client(config=CLIENT_CONFIG), name=settings.table_name)
    return Redirector(ClickRepository(table), settings.program_id, click_token_secret, metrics=metrics)


def click_token_secret() -> str | None:
    """`CLICK_TOKEN_SECRET` locally; in AWS the Secrets Manager secret named by `..._SECRET_ARN` (fail-fast)."""
    return read_secret("CLICK_TOKEN_SECRET", client_config=CLIENT_CONFIG)
