"""The request and response side of server-rendered pages: cookies, forms, CSRF, locale, HTML answers, and
a Powertools resolver whose errors are HTML pages in the visitor's language.

Route functions call `web_request(router)` for the current request; everything it sets (cookies, locale,
session id) is sent with the page it renders.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from shared.core.errors import DomainError, NotFound, TooManyRequests
from shared.core.observability import logger
from shared.web import assets, security
from shared.web.config import WebConfig, web_config
from shared.web.i18n import DEFAULT_LOCALE, N_, negotiate, supported, translator
from shared.web.render import render

HTML = "text/html; charset=utf-8"
REQUEST_CONTEXT_KEY = "web_request"
CSRF_COOKIE = "rp_csrf"
LOCALE_COOKIE = "rp_lang"
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 64 * 1024


class CsrfRejected(DomainError):
    """A form post without this browser's CSRF token."""

    status = 403
    default_code = "csrf_rejected"


class SignInRequired(Exception):
    """No valid session for this area: answer with a redirect to its sign-in page."""

    def __init__(self, sign_in_path: str) -> None:
        super().__init__(sign_in_path)
        self.sign_in_path = sign_in_path


@dataclass
class WebRequest:
    """One browser request: its cookies, form, client IP and base URL, and what the answer must set."""

    method: str
    path: str
    headers: dict[str, str]
    cookies: dict[str, str]
    query: dict[str, str]
    raw_body: bytes
    source_ip: str
    base_url: str
    config: WebConfig
    session_id: str | None = None
    locale: str = DEFAULT_LOCALE
    outgoing: list[Cookie] = field(default_factory=list)
    _form: dict[str, str] | None = None
    _csrf_seed: str | None = None

    @classmethod
    def from_event(cls, event: Any, config: WebConfig) -> WebRequest:
        """Build from a Powertools HTTP API v2 event."""
        raw = event.raw_event
        headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        cookies: dict[str, str] = {}
        for pair in raw.get("cookies") or []:
            name, _, value = pair.partition("=")
            cookies.setdefault(name.strip(), value.strip())
        body = raw.get("body") or ""
        raw_body = base64.b64decode(body) if raw.get("isBase64Encoded") else str(body).encode("utf-8")
        context = raw.get("requestContext") or {}
        domain = context.get("domainName") or headers.get("host", "localhost")
        request = cls(
            method=str((context.get("http") or {}).get("method", "GET")).upper(),
            path=raw.get("rawPath") or "/",
            headers=headers,
            cookies=cookies,
            query={k: v for k, v in (raw.get("queryStringParameters") or {}).items() if isinstance(v, str)},
            raw_body=raw_body,
            source_ip=str((context.get("http") or {}).get("sourceIp", "")),
            base_url=config.public_base_url or f"https://{domain}",
            config=config,
        )
        request.locale = request.preferred_locale()
        return request

    # ------------------------------------------------------------ reading
    @property
    def secure(self) -> bool:
        """True when served over HTTPS (always in AWS): cookies get the Secure flag."""
        return self.base_url.startswith("https://")

    def form(self) -> dict[str, str]:
        """The url-encoded form body (first value of each field), at most 64 KiB."""
        if self._form is None:
            if len(self.raw_body) > MAX_FORM_BYTES:
                self._form = {}
            else:
                text = self.raw_body.decode("utf-8", errors="replace")
                pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=100)
                self._form = {}
                for key, value in pairs:
                    self._form.setdefault(key, value)
        return self._form

    def preferred_locale(self) -> str:
        """The language switch's cookie, else Accept-Language, else English (a partner's own setting wins
        over both once the session is known: see `use_locale`)."""
        return (
            supported(self.cookies.get(LOCALE_COOKIE))
            or negotiate(self.headers.get("accept-language"))
            or DEFAULT_LOCALE
        )

    def use_locale(self, locale: str | None) -> None:
        """Switch this answer to a supported locale (a partner's saved language)."""
        chosen = supported(locale)
        if chosen:
            self.locale = chosen

    # ------------------------------------------------------------ CSRF
    def csrf_binding(self) -> str:
        """What this browser's CSRF tokens are bound to: the session, or a random pre-session cookie."""
        if self.session_id:
            return self.session_id
        if self._csrf_seed is None:
            seed = security.unsign(self.config.signing_key, "csrf-seed", self.cookies.get(CSRF_COOKIE))
            if seed is None:
                seed = security.new_token(18)
                self.set_cookie(CSRF_COOKIE, security.sign(self.config.signing_key, "csrf-seed", seed), max_age=None)
            self._csrf_seed = seed
        return self._csrf_seed

    @property
    def csrf_token(self) -> str:
        """The token every form of this page carries in its hidden `csrf_token` input."""
        return security.csrf_token(self.config.signing_key, self.csrf_binding())

    def require_csrf(self) -> dict[str, str]:
        """The form, once its CSRF token matches this browser's; CsrfRejected (403) otherwise."""
        form = self.form()
        binding = self.session_id or security.unsign(
            self.config.signing_key, "csrf-seed", self.cookies.get(CSRF_COOKIE)
        )
        if not security.csrf_valid(self.config.signing_key, binding, form.get(CSRF_FIELD)):
            raise CsrfRejected("this form expired or came from another site; reload the page and try again")
        return form

    # ------------------------------------------------------------ cookies
    def set_cookie(self, name: str, value: str, *, max_age: int | None, http_only: bool = True) -> None:
        """Send a cookie with this answer: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS."""
        self.outgoing.append(
            Cookie(
                name=name,
                value=value,
                path="/",
                secure=self.secure,
                http_only=http_only,
                max_age=max_age,
                same_site=SameSite.LAX_MODE,
            )
        )

    def delete_cookie(self, name: str) -> None:
        """Tell the browser to forget a cookie."""
        self.set_cookie(name, "", max_age=0)

    def url(self, path: str, **query: str) -> str:
        """An absolute URL on the public base URL (for emails)."""
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.base_url}{path}{suffix}"


def web_request(router: Any) -> WebRequest:
    """The current request (built by the resolver's middleware)."""
    request = router.context.get(REQUEST_CONTEXT_KEY)
    if request is None:
        raise RuntimeError("web route reached without the web middleware")
    return request


# ---------------------------------------------------------------- answers
def _headers(request: WebRequest | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **security.security_headers(secure=bool(request and request.secure)),
        "Cache-Control": "no-store",
        "Vary": "Cookie, Accept-Language",
        **(extra or {}),
    }


def page(request: WebRequest, template: str, *, status: int = 200, **context: Any) -> Response:
    """An HTML page in the request's locale, with the security headers and the request's cookies."""
    body = render(template, request.locale, request=request, **context)
    return Response(
        status_code=status, content_type=HTML, body=body, headers=_headers(request), cookies=request.outgoing
    )


def redirect(request: WebRequest, location: str, *, status: int = HTTPStatus.SEE_OTHER) -> Response:
    """303 See Other (after a form post) to a path on this site."""
    if not location.startswith("/") or location.startswith("//"):
        location = "/"
    return Response(
        status_code=status,
        content_type=HTML,
        body="",
        headers=_headers(request, {"Location": location}),
        cookies=request.outgoing,
    )


def redirect_elsewhere(request: WebRequest, url: str) -> Response:
    """303 to another site's HTTPS page (Stripe's hosted onboarding); anything else goes home instead."""
    if not url.startswith("https://"):
        return redirect(request, "/")
    return Response(
        status_code=HTTPStatus.SEE_OTHER,
        content_type=HTML,
        body="",
        headers=_headers(request, {"Location": url}),
        cookies=request.outgoing,
    )


def download(request: WebRequest, body: str, *, content_type: str, filename: str) -> Response:
    """A file the browser saves (a CSV statement)."""
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,
        headers=_headers(request, {"Content-Disposition": f'attachment; filename="{filename}"'}),
        cookies=request.outgoing,
    )


def error_page(
    request: WebRequest | None, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The HTML error page (403, 404, 429, 500) in the visitor's language."""
    locale = request.locale if request else DEFAULT_LOCALE
    tr = translator(locale)
    body = render("error.html", locale, request=request, status=status, message=tr.gettext(message))
    return Response(
        status_code=status,
        content_type=HTML,
        body=body,
        headers=_headers(request, headers),
        cookies=request.outgoing if request else None,
    )


# ---------------------------------------------------------------- the resolver
def make_web_resolver(config_factory: Callable[[], WebConfig] = web_config) -> APIGatewayHttpResolver:
    """An APIGatewayHttpResolver for HTML: the web middleware, static assets, and HTML error pages."""
    app = APIGatewayHttpResolver()

    def attach_request(resolver: Any, next_middleware: Callable[[Any], Response]) -> Response:
        resolver.append_context(
            **{REQUEST_CONTEXT_KEY: WebRequest.from_event(resolver.current_event, config_factory())}
        )
        return next_middleware(resolver)

    app.use(middlewares=[attach_request])

    def current() -> WebRequest | None:
        return app.context.get(REQUEST_CONTEXT_KEY)

    @app.get("/static/<name>")
    def static_asset(name: str) -> Response:
        asset = assets.find(name)
        if asset is None:
            return Response(status_code=404, content_type="text/plain", body="not found")
        return Response(
            status_code=200,
            content_type=asset.content_type,
            body=asset.body.decode("utf-8"),
            headers={"Cache-Control": assets.IMMUTABLE, "X-Content-Type-Options": "nosniff"},
        )

    @app.exception_handler(SignInRequired)
    def _sign_in(error: SignInRequired) -> Response:
        request = current()
        if request is None:
            return Response(status_code=303, content_type=HTML, body="", headers={"Location": error.sign_in_path})
        return redirect(request, error.sign_in_path)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        headers = {}
        retry_after = (error.details or {}).get("retry_after")
        if isinstance(error, TooManyRequests) and retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        message = {
            403: N_("This form expired or came from another site. Go back, reload the page and try again."),
            404: N_("This page does not exist, or it is not yours to see."),
            429: N_("Too many attempts. Wait a few minutes and try again."),
        }.get(error.status, N_("This request could not be completed."))
        if isinstance(error, NotFound):
            message = N_("This page does not exist, or it is not yours to see.")
        return error_page(current(), error.status, message, headers)

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return error_page(current(), 404, N_("This page does not exist, or it is not yours to see."))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error in a web page")
        return error_page(current(), 500, N_("Something went wrong on our side. Try again in a moment."))

    return app
