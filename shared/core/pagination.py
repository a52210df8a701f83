"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from shared.core.errors import BadRequest


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    """The cursor for the next page, or None on the last page."""
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, expected_keys: set[str] | None = None) -> dict[str, Any] | None:
    """The ExclusiveStartKey a cursor stands for; a cursor that was tampered with is a 400."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as error:
        raise BadRequest("the cursor is not one this API issued", code="invalid_cursor") from error
    if not isinstance(decoded, dict) or not all(
        isinstance(v, dict) and len(v) == 1 and "S" in v and isinstance(v["S"], str) for v in decoded.values()
    ):
        raise BadRequest("the cursor is not one this API issued", code="invalid_cursor")
    if expected_keys is not None and not set(decoded) <= expected_keys:
        raise BadRequest("the cursor is not one this API issued", code="invalid_cursor")
    return decoded
