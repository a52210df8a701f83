"""Placeholder until its issue lands: answers 501 with the JSON error shape."""

from __future__ import annotations

import json
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    body = {"error": {"code": "not_implemented", "message": "this route is not implemented yet"}}
    return {"statusCode": 501, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
