"""The emailed-link sign-in the portal and the console share: the form's email, the hourly request limits, the
link's confirmation page and the email that carries it. Each area keeps its own rule of who may sign in (an
active partner, an email of STAFF_EMAILS) and what its session opens; `area` names its templates folder
(`<area>/sign_in.html`, `check_email.html`, `confirm.html`, `link_refused.html`, `email/sign_in.{txt,html}`),
whose pages extend the shared ones in `sign_in/`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from pydantic import ConfigDict, TypeAdapter, ValidationError

from shared.context import AppContext, get_context
from shared.core import rate_limit
from shared.core.email_address import EmailAddress
from shared.core.mail import Email, send
from shared.identity import service as identity
from shared.identity.models import Audience
from shared.identity.rules import SIGN_IN_LINK_LIFETIME, LinkState
from shared.partners.service import normalize_email
from shared.web.pages import WebRequest, page
from shared.web.render import render, render_text

_EMAIL: TypeAdapter[str] = TypeAdapter(EmailAddress, config=ConfigDict(defer_build=True))  # built on first use
LINK_MINUTES = int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)


def requested_email(form: dict[str, str]) -> str | None:
    """The email a sign-in form asks a link for, normalised (`partners.normalize_email`); None when it is not an
    email address."""
    try:
        return normalize_email(str(_EMAIL.validate_python(form.get("email", "").strip())))
    except ValidationError:
        return None


def form_page(
    request: WebRequest, area: str, *, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    """The area's sign-in form: empty (saying so after a sign-out), or again with the typed email and the error."""
    signed_out = error is None and "signed_out" in request.query
    return page(request, f"{area}/sign_in.html", status=status, email=email, error=error, signed_out=signed_out)


def enforce_limits(request: WebRequest, ctx: AppContext, email: str) -> None:
    """Count a link request against its email's and its client IP's (salted hash) hourly limits: 429 beyond."""
    ip_subject = rate_limit.ip_hash(request.source_ip, request.config.signing_key.decode())
    identity.enforce_sign_in_limits(ctx, email, ip_subject)


def confirm_page(request: WebRequest, audience: Audience, area: str) -> Response:
    """The GET of an emailed link: a one-click confirmation while the link is usable, else why it is not (410).
    A GET never signs in: mail scanners open links; the person confirms with a POST."""
    token = request.query.get("token", "")
    state = identity.link_state(get_context(), token, audience)
    if state is not LinkState.USABLE:
        return refused_page(request, area, state)
    return page(request, f"{area}/confirm.html", token=token)


def refused_page(request: WebRequest, area: str, state: LinkState = LinkState.USED) -> Response:
    """410: the link expired, was used, or never was one (the same answer for the last two)."""
    return page(request, f"{area}/link_refused.html", status=410, state=state.value)


def send_link(
    request: WebRequest, *, to: str, locale: str, subject: str, area: str, confirm_path: str, token: str, **context: Any
) -> None:
    """Email the one-time link (`confirm_path?token=...` on this site) with `area`'s sign-in email templates,
    rendered in `locale`; `context` adds what those templates show (the partner...)."""
    values = {**context, "link": request.url(confirm_path, token=token), "minutes": LINK_MINUTES}
    send(
        Email(
            to=to,
            subject=subject,
            text=render_text(f"{area}/email/sign_in.txt", locale, **values),
            html=render(f"{area}/email/sign_in.html", locale, **values),
        )
    )
