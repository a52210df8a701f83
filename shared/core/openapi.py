"""The published OpenAPI documents of the JSON APIs (`/admin/openapi.json`, `/partner/openapi.json`): the
resolver's own description, plus what it cannot know by itself: the bearer credential every route needs, the
one error body `{"error": {"code", "message"}}` on every 4xx, and a JSON object on every 2xx. The fuzz tests
(tests/fuzz) hold every response to these schemas.
"""

from __future__ import annotations

import copy
from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "minLength": 1},
                "message": {"type": "string", "minLength": 1},
                "details": {"type": "object"},
            },
        }
    },
}
ERROR_STATUSES = {
    "400": "Malformed request: bad JSON, too deep, a number too long, a broken rule",
    "401": "No credential, or one that is unknown, revoked or no longer valid",
    "403": "A valid credential that may not do this",
    "404": "Not found (or another partner's: never told apart)",
    "409": "Conflicts with the current state (duplicate, illegal transition, changed meanwhile)",
    "413": "The body is too large",
    "415": "The body is not application/json",
    "422": "A field is missing or invalid (`details.fields` names each)",
    "429": "Rate limited (`Retry-After`)",
}
SUCCESS_SCHEMA: dict[str, Any] = {"type": "object"}
_METHODS = ("get", "put", "post", "delete", "patch")


def published_document(raw: dict[str, Any]) -> dict[str, Any]:
    """The document as published: `raw` (the resolver's OpenAPI as JSON) with the credential, the error body
    on every 4xx and an object on every 2xx that has no schema of its own."""
    doc = copy.deepcopy(raw)
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["schemas"].pop("HTTPValidationError", None)
    components["schemas"].pop("ValidationError", None)
    components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    doc["security"] = [{"bearer": []}]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in doc.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if method == "post" and "200" in responses and "201" not in responses:
                responses["201"] = copy.deepcopy(responses["200"])  # a POST that creates answers 201
            for status, response in list(responses.items()):
                if status.startswith("2"):
                    media = response.setdefault("content", {}).setdefault("application/json", {})
                    if not media.get("schema"):
                        media["schema"] = SUCCESS_SCHEMA
            for status, description in ERROR_STATUSES.items():
                responses[status] = {"description": description, "content": copy.deepcopy(error)}
    return doc
