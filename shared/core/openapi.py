"""The published OpenAPI documents of the JSON APIs (`/admin/openapi.json`, `/partner/openapi.json`): the
resolver's own description, plus what it cannot know by itself: the bearer credential every route needs, the
one error body `{"error": {"code", "message"}}` on every 4xx, and each route's own 2xx body. The fuzz tests
(tests/integration/fuzz) hold every response to these schemas.

A route names its 2xx body with `responses=returns("shared.<slice>.responses:Model", 200)`: Powertools' own
`responses=`, whose content carries the model's dotted name instead of the class. The class is imported and
its JSON schema built only when a document is built (`published_document`), so the response models cost
nothing at import (cold start) and nothing per request: Powertools builds a route's `model` responses into
TypeAdapters on the route's first request, and validates return annotations on every response.
"""

from __future__ import annotations

import copy
import importlib
import json
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
MODEL_KEY = "x-response-model"
"""The key of a lazily named response model in a schema of `responses=` (replaced when the document is built)."""
JSON_MEDIA = "application/json"
CSV_MEDIA = "text/csv"
_REF_PREFIX = "#/components/schemas/"


def returns(model: str, *statuses: int, description: str = "Success", csv: bool = False) -> dict[int, Any]:
    """A route's `responses=`: a JSON body of the pydantic model named `model` ("package.module:Class") for each
    of `statuses` (default 200), imported only when the OpenAPI document is built; with `csv`, the same
    answer may be `text/csv` (a `format=csv` query)."""
    return {
        status: {
            "description": description,
            "content": {JSON_MEDIA: {"schema": {MODEL_KEY: model}}}
            | ({CSV_MEDIA: {"schema": {"type": "string"}}} if csv else {}),
        }
        for status in statuses or (200,)
    }


def returns_csv(description: str = "A CSV download (amounts in minor units)") -> dict[int, Any]:
    """A route's `responses=` for a `text/csv` download."""
    return {200: {"description": description, "content": {CSV_MEDIA: {"schema": {"type": "string"}}}}}


def _model_class(name: str) -> Any:
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _resolve_models(doc: dict[str, Any]) -> None:
    """Replace every lazily named response model by a `$ref` to its JSON schema (serialization mode) in
    `components.schemas`; a name Powertools already gave a different schema gets a `Response` suffix."""
    from pydantic.json_schema import models_json_schema  # noqa: PLC0415 - only when a document is built

    media_types = [
        media
        for item in doc.get("paths", {}).values()
        for method in _METHODS
        for response in (item.get(method) or {}).get("responses", {}).values()
        for media in response.get("content", {}).values()
        if MODEL_KEY in (media.get("schema") or {})
    ]
    if not media_types:
        return
    names = sorted({media["schema"][MODEL_KEY] for media in media_types})
    classes = {name: _model_class(name) for name in names}
    mapping, top = models_json_schema(
        [(cls, "serialization") for cls in classes.values()], ref_template=_REF_PREFIX + "{model}"
    )
    definitions: dict[str, Any] = top.get("$defs", {})
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    renamed = {}
    for name, schema in definitions.items():
        if name in schemas and schemas[name] != schema:
            new_name = f"{name}Response"
            while new_name in schemas or new_name in definitions:
                new_name += "_"
            renamed[name] = new_name
    text = json.dumps({"definitions": definitions, "refs": {n: mapping[(classes[n], "serialization")] for n in names}})
    for old, new in renamed.items():
        text = text.replace(f'"{_REF_PREFIX}{old}"', f'"{_REF_PREFIX}{new}"')
    resolved = json.loads(text)
    for name, schema in resolved["definitions"].items():
        schemas[renamed.get(name, name)] = schema
    for media in media_types:
        media["schema"] = resolved["refs"][media["schema"][MODEL_KEY]]


def published_document(raw: dict[str, Any]) -> dict[str, Any]:
    """The document as published: `raw` (the resolver's OpenAPI as JSON) with the credential, the error body
    on every 4xx, each route's named response models resolved, and an object on every 2xx that has no schema
    of its own. Applying it again changes nothing."""
    doc = copy.deepcopy(raw)
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["schemas"].pop("HTTPValidationError", None)
    components["schemas"].pop("ValidationError", None)
    _resolve_models(doc)
    components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    doc["security"] = [{"bearer": []}]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in doc.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            undeclared = "200" in responses and not (responses["200"].get("content") or {}).get(JSON_MEDIA, {})
            if method == "post" and undeclared and "201" not in responses:
                responses["201"] = copy.deepcopy(responses["200"])  # a POST that creates answers 201
            for status, response in list(responses.items()):
                if status.startswith("2"):
                    content = response.setdefault("content", {})
                    media = content.setdefault(JSON_MEDIA, {}) if not content or JSON_MEDIA in content else {}
                    if JSON_MEDIA in content and not media.get("schema"):
                        media["schema"] = SUCCESS_SCHEMA
            for status, description in ERROR_STATUSES.items():
                responses[status] = {"description": description, "content": copy.deepcopy(error)}
    return doc
