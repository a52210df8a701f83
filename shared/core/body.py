"""Request bodies, bounded: media type, size, JSON nesting depth and number length, checked before any parser
or validator sees them, so no body a caller sends can cost a 500 (a RecursionError, a 4,300-digit integer).

Standard library only. `shared.core.http` applies `check_request_body` to every API route after the
credential check; the Stripe webhook calls `parse_json` after the signature check.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shared.core.errors import BadRequest, PayloadTooLarge

JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 64 * 1024
"""The largest body an API route reads (the Stripe webhook sets its own: Stripe events run larger)."""
MAX_JSON_DEPTH = 32
"""Nested objects and arrays, counted together; no route's model nests past a handful."""
MAX_NUMBER_CHARS = 40
"""Characters of one JSON number: enough for any amount in minor units, far below Python's 4,300-digit limit."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnsupportedMediaType(BadRequest):
    """The body's Content-Type is not one the route reads."""

    status = 415
    default_code = "unsupported_media_type"


def media_type(content_type: str | None) -> str:
    """The bare, lower-cased media type of a Content-Type header (`application/json; charset=utf-8` -> ...json)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_media_type(content_type: str | None, accepted: tuple[str, ...] = (JSON_MEDIA_TYPE,)) -> str:
    """The body's media type if the route reads it, else UnsupportedMediaType (415)."""
    kind = media_type(content_type)
    if kind not in accepted:
        raise UnsupportedMediaType(
            f"send the body as {' or '.join(accepted)}" + (f", not {kind}" if kind else " with its Content-Type"),
        )
    return kind


def _number(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadRequest(f"a number in the body is longer than {MAX_NUMBER_CHARS} characters", code="number_too_long")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> Any:
    raise BadRequest(f"{name} is not a JSON number", code="malformed_json")


# A JSON string (escapes included), or an unterminated one running to the end: its brackets are text, not nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_BRACKET = re.compile(r"[][{}]")


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when objects/arrays nest deeper than `limit` (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot nest deeper than it has brackets: the common case costs two C-speed counts
    # Strings removed and brackets picked out by the regex engine (a 4 KB Stripe event: ~40 us, not ~120 us of a
    # character-by-character walk); then only the brackets are walked.
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse_json(body: str | bytes, *, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The JSON value of a body, bounded: 413 past `max_bytes`, 400 for malformed, too deep or too long numbers."""
    size = len(body) if isinstance(body, bytes) else len(body.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise PayloadTooLarge(f"the body is larger than {max_bytes // 1024} KiB")
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise BadRequest("the body is not UTF-8 text", code="malformed_body") from error
    if json_depth_exceeds(text):
        raise BadRequest(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels", code="json_too_deep")
    try:
        return json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except (ValueError, RecursionError) as error:
        raise BadRequest("the request body is not valid JSON", code="malformed_json") from error


def check_request_body(
    method: str, content_type: str | None, body: str | bytes | None, accepted: tuple[str, ...] = (JSON_MEDIA_TYPE,)
) -> None:
    """Refuse a body a route must not read: wrong media type (415), too large (413), bad or unbounded JSON (400).

    Only methods that carry a body are checked; an empty body passes (the route's own validation answers).
    """
    if method.upper() not in BODY_METHODS or not body:
        return
    kind = check_media_type(content_type, accepted)
    if kind == JSON_MEDIA_TYPE:
        parse_json(body)
    elif (len(body) if isinstance(body, bytes) else len(body.encode("utf-8", "surrogatepass"))) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB")
