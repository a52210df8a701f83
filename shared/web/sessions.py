"""Signed-in areas of the web pages: the partner portal now, the staff console (issue 14) next.

An `Area` names its audience, its cookie and its sign-in page. This module does what every area does the
same way: read and verify the session cookie, open a session from a consumed sign-in link, end it. Who may be
signed in (an active partner; an email of STAFF_EMAILS) is the area's own check, made on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.context import AppContext
from shared.identity import service as identity
from shared.identity.models import Audience, SignInLink, WebSession
from shared.identity.rules import SESSION_LIFETIME
from shared.web import security
from shared.web.pages import SignInRequired, WebRequest


@dataclass(frozen=True)
class Area:
    """A signed-in part of the site: its audience, session cookie (name and signing purpose) and sign-in page."""

    audience: Audience
    cookie: str
    sign_in_path: str

    @property
    def purpose(self) -> str:
        """The signing purpose of this area's cookie: a portal cookie never passes for a console one."""
        return f"{self.audience.value}-session"


PORTAL = Area(audience=Audience.PORTAL, cookie="rp_session", sign_in_path="/portal/sign-in")
CONSOLE = Area(audience=Audience.CONSOLE, cookie="rp_console_session", sign_in_path="/console/sign-in")


def current_session(request: WebRequest, ctx: AppContext, area: Area) -> WebSession:
    """The session of this browser in this area (one GetItem; a forged cookie costs none), else
    SignInRequired. The caller then checks its principal may still be signed in (`end_and_refuse` if not)."""
    session_id = security.unsign(request.config.signing_key, area.purpose, request.cookies.get(area.cookie))
    session = identity.active_session(ctx, session_id, area.audience) if session_id else None
    if session is None or session_id is None:
        if area.cookie in request.cookies:
            request.delete_cookie(area.cookie)  # expired, ended or forged: the browser may forget it
        raise SignInRequired(area.sign_in_path)
    request.session_id = session_id
    return session


def end_and_refuse(request: WebRequest, ctx: AppContext, area: Area) -> SignInRequired:
    """End this browser's session for good (its principal may no longer sign in) and send it to sign in."""
    if request.session_id:
        identity.end_session(ctx, request.session_id)
        request.session_id = None
    request.delete_cookie(area.cookie)
    return SignInRequired(area.sign_in_path)


def open_session(request: WebRequest, ctx: AppContext, area: Area, link: SignInLink) -> None:
    """A new session for the principal of a consumed link: stored, and its signed id set as the area's cookie
    (HttpOnly, SameSite=Lax, Secure over HTTPS, 12 hours)."""
    opened = identity.open_session(ctx, link)
    cookie = security.sign(request.config.signing_key, area.purpose, opened.session_id)
    request.set_cookie(area.cookie, cookie, max_age=int(SESSION_LIFETIME.total_seconds()))


def session_cookie(signing_key: bytes, area: Area, session_id: str) -> str:
    """`name=value` of an area's session cookie (benchmarks and tests that skip the emailed link)."""
    return f"{area.cookie}={security.sign(signing_key, area.purpose, session_id)}"


def sign_out(request: WebRequest, ctx: AppContext, area: Area) -> None:
    """Delete this browser's session (so a copied cookie opens nothing afterwards) and its cookie."""
    if request.session_id:
        identity.end_session(ctx, request.session_id)
    request.delete_cookie(area.cookie)
