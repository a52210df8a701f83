"""GET /r/{code}: send a referred visitor to the partner's destination (first cut; the links issue
adds click tokens, counting and bot filtering).

Hot path: boto3 and the standard library only (no pydantic, no stripe, no Powertools).
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import boto3

from shared import keys
from shared.urls import safe_destination

PROGRAM_CACHE_SECONDS = 60.0

_client = boto3.client("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT") or None)
_table = os.environ.get("TABLE_NAME", "")
_program_id = os.environ.get("PROGRAM_ID", "default")
_program_cache: tuple[float, dict[str, Any]] | None = None


def _program() -> dict[str, Any]:
    global _program_cache  # noqa: PLW0603 - per-container cache, on purpose
    now = time.monotonic()
    if _program_cache is None or now - _program_cache[0] > PROGRAM_CACHE_SECONDS:
        item = _client.get_item(TableName=_table, Key=_key(keys.program(_program_id))).get("Item", {})
        _program_cache = (now, item)
    return _program_cache[1]


def _key(key: dict[str, str]) -> dict[str, Any]:
    return {name: {"S": value} for name, value in key.items()}


def _redirect(location: str) -> dict[str, Any]:
    return {
        "statusCode": 302,
        "headers": {"Location": location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer-when-downgrade"},
        "body": "",
    }


def _with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    program = _program()
    allowed = [d["S"] for d in program.get("allowed_destination_domains", {}).get("L", [])]
    fallback = program.get("fallback_url", {}).get("S") or "/"
    code = (event.get("pathParameters") or {}).get("code", "")
    item = _client.get_item(TableName=_table, Key=_key(keys.referral_link(code))).get("Item") if code else None
    if not item or item.get("status", {}).get("S") != "active":
        return _redirect(fallback)
    destination = item.get("destination", {}).get("S") or program.get("landing_url", {}).get("S") or fallback
    if safe_destination(destination, allowed) is None:
        return _redirect(fallback)
    return _redirect(_with_params(destination, {"ref": code}))
