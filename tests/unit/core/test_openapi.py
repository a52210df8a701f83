"""shared.core.openapi: the published document names the credential, the error body on every 4xx and an
object on every 2xx, without losing a schema the resolver already knew."""

from __future__ import annotations

from typing import Any

from shared.core.openapi import ERROR_STATUSES, published_document

RAW: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/partner/leads": {
            "post": {
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {}}},
                    "422": {"description": "v", "content": {"application/json": {"schema": {"$ref": "#/x"}}}},
                }
            },
            "get": {
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array"}}}}
                }
            },
        }
    },
    "components": {"schemas": {"HTTPValidationError": {}}},
}


def test_every_operation_documents_the_credential_its_errors_and_its_success() -> None:
    # When the resolver's document is published
    doc = published_document(RAW)
    post = doc["paths"]["/partner/leads"]["post"]["responses"]
    get = doc["paths"]["/partner/leads"]["get"]["responses"]
    # Then the bearer credential is required everywhere
    assert doc["security"] == [{"bearer": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # And every 4xx is the one error body (the resolver's own 422 model is gone)
    for responses in (post, get):
        for status in ERROR_STATUSES:
            assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    # And a 2xx without a schema is a JSON object; a POST may answer 201; a known schema is kept
    assert post["200"]["content"]["application/json"]["schema"] == {"type": "object"}
    assert post["201"]["content"]["application/json"]["schema"] == {"type": "object"}
    assert get["200"]["content"]["application/json"]["schema"] == {"type": "array"}
    # And the input is left as it was
    assert "security" not in RAW
