"""Sign-in: issue a one-time link for a known principal, consume it into a session, resolve and end sessions.

Who may sign in to an area (an active partner, a staff email) is decided by that area's pages; this module
knows only links, sessions, their lifetimes and the request limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from secrets import token_urlsafe

from shared.context import AppContext
from shared.core import keys, rate_limit
from shared.core.clock import epoch_seconds
from shared.core.rate_limit_store import RateLimitRepository
from shared.identity import rules
from shared.identity.models import Audience, SignInLink, WebSession
from shared.identity.store import IdentityRepository


@dataclass(frozen=True)
class IssuedLink:
    """A stored link and the token that goes into the email (the only place the token exists)."""

    link: SignInLink
    token: str


@dataclass(frozen=True)
class OpenedSession:
    """A new session and the id its cookie carries."""

    session: WebSession
    session_id: str


def _repository(ctx: AppContext) -> IdentityRepository:
    return IdentityRepository(ctx.table)


def enforce_sign_in_limits(ctx: AppContext, email: str, ip_subject: str) -> None:
    """Count a sign-in request against its email's and its IP's hourly limits (the email counts whether or not
    anyone has it, so the limit reveals nothing); RateLimited past either."""
    repository = RateLimitRepository(ctx.table)
    now = ctx.clock.now()
    rate_limit.enforce(
        repository, "signin-email", keys.sha256_hex(email), limit=rules.SIGN_IN_REQUESTS_PER_EMAIL, now=now
    )
    rate_limit.enforce(repository, "signin-ip", ip_subject, limit=rules.SIGN_IN_REQUESTS_PER_IP, now=now)


def issue_link(ctx: AppContext, audience: Audience, principal_id: str, email: str) -> IssuedLink:
    """A new single-use link for a principal the caller has vetted; valid for 15 minutes."""
    token = token_urlsafe(32)
    now = ctx.clock.now()
    link = SignInLink(
        token_hash=keys.sha256_hex(token),
        audience=audience,
        principal_id=principal_id,
        email=email,
        program_id=ctx.program_id,
        created_at=now,
        valid_until=now + rules.SIGN_IN_LINK_LIFETIME,
        expires_at=epoch_seconds(now + rules.SIGN_IN_LINK_LIFETIME + rules.TTL_GRACE),
    )
    _repository(ctx).add_link(link)
    return IssuedLink(link, token)


def link_state(ctx: AppContext, token: str | None, audience: Audience) -> rules.LinkState:
    """What opening a link shows, without consuming it (mail scanners open links too)."""
    if not token or len(token) > 128:
        return rules.LinkState.UNKNOWN
    link = _repository(ctx).find_link(keys.sha256_hex(token))
    if link is not None and (link.audience is not audience or link.program_id != ctx.program_id):
        link = None
    return rules.link_state(link, ctx.clock.now())


def consume_link(ctx: AppContext, token: str | None, audience: Audience) -> SignInLink | None:
    """Use a link up: the link when it was usable (and is now used), else None."""
    if not token or len(token) > 128:
        return None
    link = _repository(ctx).consume_link(keys.sha256_hex(token), ctx.clock.now())
    if link is None or link.audience is not audience or link.program_id != ctx.program_id:
        return None
    return link


def open_session(ctx: AppContext, link: SignInLink) -> OpenedSession:
    """A new session for the principal of a consumed link; valid for 12 hours."""
    session_id = token_urlsafe(32)
    now = ctx.clock.now()
    session = WebSession(
        session_hash=keys.sha256_hex(session_id),
        audience=link.audience,
        principal_id=link.principal_id,
        email=link.email,
        program_id=link.program_id,
        created_at=now,
        valid_until=now + rules.SESSION_LIFETIME,
        expires_at=epoch_seconds(now + rules.SESSION_LIFETIME + rules.TTL_GRACE),
    )
    _repository(ctx).add_session(session)
    return OpenedSession(session, session_id)


def active_session(ctx: AppContext, session_id: str, audience: Audience) -> WebSession | None:
    """The session of an id when it is active for this area and program (one GetItem), else None."""
    session = _repository(ctx).find_session(keys.sha256_hex(session_id))
    if not rules.session_active(session, ctx.clock.now(), audience) or session is None:
        return None
    return session if session.program_id == ctx.program_id else None


def end_session(ctx: AppContext, session_id: str) -> None:
    """Sign a browser out: its session is deleted, so its cookie opens nothing any more."""
    _repository(ctx).delete_session(keys.sha256_hex(session_id))
