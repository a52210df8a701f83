"""A cookie-keeping client over the real handlers for the web pages: reads forms' CSRF tokens from the HTML,
follows the newest emailed sign-in link, the way a browser and a person would."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.helpers.api import ApiClient, ApiResponse

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"https?://\S+/(?:portal|console)/sign-in/confirm\?token=[A-Za-z0-9_\-]+")


class PageClient:
    """One browser: its cookies, its IP, and the HTML of the last page."""

    def __init__(self, api: ApiClient, *, ip: str = "198.51.100.10", accept_language: str = "en") -> None:
        self.api = api
        self.ip = ip
        self.accept_language = accept_language
        self.cookies: dict[str, str] = {}
        self.last: ApiResponse | None = None

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"accept-language": self.accept_language, **(extra or {})}
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response: ApiResponse) -> None:
        raw = response.headers.get("set-cookie")
        if not raw:
            return
        for cookie in re.split(r", (?=[A-Za-z_]+=)", raw):
            pair = cookie.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def get(self, path: str, query: dict[str, str] | None = None) -> ApiResponse:
        """GET a page (a query string in `path` is split off)."""
        parts = urlsplit(path)
        merged = dict(re.findall(r"([^&=]+)=([^&]*)", parts.query)) if parts.query else {}
        response = self.api.get(
            parts.path, headers=self._headers(), query={**merged, **(query or {})}, source_ip=self.ip
        )
        self._keep_cookies(response)
        self.last = response
        return response

    def post(self, path: str, data: dict[str, str], *, csrf: str | None = "auto") -> ApiResponse:
        """POST a form, with the CSRF token of the last page unless told otherwise (None: no token)."""
        fields = dict(data)
        if csrf == "auto":
            fields["csrf_token"] = self.csrf()
        elif csrf is not None:
            fields["csrf_token"] = csrf
        response = self.api.request(
            "POST",
            path,
            body=urlencode(fields),
            headers=self._headers({"content-type": "application/x-www-form-urlencoded"}),
            source_ip=self.ip,
        )
        self._keep_cookies(response)
        self.last = response
        return response

    def csrf(self) -> str:
        """The CSRF token of the last page's forms."""
        assert self.last is not None
        found = CSRF.search(self.last.body.decode())
        assert found, "no form with a CSRF token on the last page"
        return found.group(1)

    @property
    def text(self) -> str:
        """The last page's HTML, entities decoded."""
        assert self.last is not None
        return unescape(self.last.body.decode())

    def sign_in(self, email: str, mail_dir: Path, *, area: str = "/portal") -> ApiResponse:
        """Ask for a link, open the newest email's link, confirm: the area's home (the portal's dashboard, the
        console's overview with `area="/console"`) or a refusal."""
        self.get(f"{area}/sign-in")
        self.post(f"{area}/sign-in", {"email": email})
        link = newest_sign_in_link(mail_dir)
        self.get(link)
        response = self.post(f"{area}/sign-in/confirm", {"token": link.rsplit("token=", 1)[1]})
        return response


def newest_email(mail_dir: Path) -> Message:
    """The newest .eml file of the mail folder, parsed."""
    files = sorted(mail_dir.glob("*.eml"))
    assert files, f"no email in {mail_dir}"
    return message_from_bytes(files[-1].read_bytes())


def text_body(message: Message) -> str:
    """The plain-text part of an email."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload: Any = part.get_payload(decode=True)
            return str(payload.decode(part.get_content_charset() or "utf-8"))
    return ""


def newest_sign_in_link(mail_dir: Path) -> str:
    """The sign-in link of the newest email."""
    found = LINK.search(text_body(newest_email(mail_dir)))
    assert found, "the newest email holds no sign-in link"
    return found.group(0)
