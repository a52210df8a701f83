"""The HTTP side of the public lead form (POST /leads): which browser origins may post it and their CORS
headers, the JSON or form-encoded body, where the page put the attribution, the honeypot, and the
thank-you redirect. Plain functions of strings and the program: unit tests call them without a request.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from shared.core.errors import BadRequest, PayloadTooLarge
from shared.programs.models import Program

MAX_BODY_BYTES = 16 * 1024
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
HONEYPOT_FIELD = "website"
CLICK_FIELDS = ("click_token", "click_id")  # `click_id` is the name the redirect puts on the landing URL


def origin_of(url: str | None) -> str | None:
    """The `scheme://host[:port]` origin of an absolute http(s) URL, lower-cased."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(program: Program) -> frozenset[str]:
    """Browser origins that may post the lead form: the program's list, else its landing page's origin."""
    configured = {origin_of(o) for o in program.lead_form_origins}
    if not configured:
        configured = {origin_of(program.landing_url)}
    return frozenset(o for o in configured if o)


def origin_allowed(origin: str | None, program: Program) -> bool:
    """True for a request without Origin (server-side or curl) or from an allowed browser origin."""
    if origin is None:
        return True
    return origin.strip().lower().rstrip("/") in allowed_origins(program)


def cors_headers(origin: str | None, program: Program | None) -> dict[str, str]:
    """CORS response headers for an allowed origin; none for others (the browser then blocks the read)."""
    if origin is None or program is None or not origin_allowed(origin, program):
        return {}
    return {
        "Access-Control-Allow-Origin": origin.strip(),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` -> `application/json`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_lead_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """The submitted fields of a JSON or form-encoded body (a form's repeated field keeps its first value).

    Raises PayloadTooLarge past MAX_BODY_BYTES, BadRequest for malformed JSON or another media type.
    """
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB")
    kind = media_type(content_type)
    if kind == FORM_CONTENT_TYPE:
        return {name: values[0] for name, values in parse_qs(raw, keep_blank_values=True).items()}
    if kind in (JSON_CONTENT_TYPE, ""):
        try:
            data = json.loads(raw or "null")
        except ValueError as error:
            raise BadRequest("the request body is not valid JSON", code="malformed_json") from error
        if not isinstance(data, dict):
            raise BadRequest("the request body must be a JSON object", code="malformed_json")
        return data
    raise UnsupportedMediaType(f"send {JSON_CONTENT_TYPE} or {FORM_CONTENT_TYPE}, not {kind}")


class UnsupportedMediaType(BadRequest):
    """The body is neither JSON nor a form."""

    status = 415
    default_code = "unsupported_media_type"


def with_attribution(data: dict[str, Any], query: dict[str, str], cookie_token: str | None) -> dict[str, Any]:
    """The submitted fields with the click token and ref code gathered from wherever the page put them:
    a body field (`click_token` or `click_id`), else the query string, else the redirect's cookie.
    """
    merged = dict(data)
    body_token = next((merged.pop(name) for name in CLICK_FIELDS if merged.get(name)), None)
    for name in CLICK_FIELDS:
        merged.pop(name, None)
    query_token = next((query[name] for name in CLICK_FIELDS if query.get(name)), None)
    merged["click_token"] = body_token or query_token or cookie_token
    if not merged.get("ref"):
        merged["ref"] = query.get("ref")
    return merged


def is_honeypot_filled(data: dict[str, Any]) -> bool:
    """True when the hidden field a person never sees was filled: a bot."""
    value = data.get(HONEYPOT_FIELD)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def thank_you_location(program: Program, lead_id: str) -> str:
    """Where a plain HTML form lands after a post: the program's thank-you page with the lead id."""
    base = program.thank_you_url or program.landing_url
    parts = urlsplit(base)
    query = "&".join(q for q in (parts.query, urlencode({"lead_id": lead_id})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
