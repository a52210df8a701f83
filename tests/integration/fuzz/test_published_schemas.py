"""The published OpenAPI documents give every route a precise 2xx body (a named model, or a CSV download) and
the one error body on every 4xx; the Swagger UI shows the same document; and the response models cost nothing
at cold start (they are imported only when a document is built)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_api_key, given_partner

pytestmark = pytest.mark.integration

METHODS = ("get", "put", "post", "patch", "delete")


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def precise(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """A 2xx answer is a named model (a $ref that resolves) or a CSV download; never a bare object."""
    content = response.get("content", {})
    if not content:
        return False
    for media_type, media in content.items():
        schema = media.get("schema", {})
        if media_type == "text/csv":
            continue
        ref = schema.get("$ref", "")
        if not ref.startswith("#/components/schemas/") or ref.rsplit("/", 1)[-1] not in schemas:
            return False
    return True


@pytest.mark.parametrize("who", ["admin", "partner"])
def test_every_route_documents_its_own_2xx_body_and_the_error_body(api: ApiClient, who: str) -> None:
    # Given the published document of the API
    if who == "admin":
        document = api.get("/admin/openapi.json", headers=ADMIN).json
    else:
        key = given_api_key(api, given_partner(api)["partner_id"])
        document = api.get("/partner/openapi.json", headers={"Authorization": f"Bearer {key}"}).json
    schemas = document["components"]["schemas"]
    # Then each operation names a precise body for each 2xx it answers, and the error body on its 4xx
    vague = [
        f"{label} {status}"
        for label, operation in operations(document)
        for status, response in operation["responses"].items()
        if status.startswith("2") and not precise(response, schemas)
    ]
    assert vague == []
    for label, operation in operations(document):
        assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, label
    assert not [k for k in json.dumps(document).split('"') if k == "x-response-model"]


def test_the_swagger_ui_shows_the_published_document(api: ApiClient) -> None:
    # When staff read the Swagger UI's document
    swagger = api.get("/admin/swagger", headers=ADMIN, query={"format": "json"})
    published = api.get("/admin/openapi.json", headers=ADMIN).json
    # Then it is the published one: response models and the error body included
    shown = json.loads(swagger.body)
    assert (
        shown["paths"]["/admin/partners/{partner_id}"]["get"]["responses"]["200"]
        == (published["paths"]["/admin/partners/{partner_id}"]["get"]["responses"]["200"])
    )
    assert "Error" in shown["components"]["schemas"] and "Partner" in shown["components"]["schemas"]


@pytest.mark.parametrize("function", ["admin_api", "partner_api"])
def test_the_response_models_are_not_imported_at_cold_start(function: str) -> None:
    # When an API function is imported in a fresh interpreter, as Lambda does at cold start
    code = (
        f"import sys, functions.{function}.app\n"
        "print(sorted(m for m in sys.modules if m.startswith('shared.') and m.endswith('.responses')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    # Then no response model module came with it
    assert result.stdout.strip() == "[]"
