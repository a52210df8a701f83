"""shared.core.openapi.returns: a route names its 2xx body by the model's dotted name; the model is imported and
its schema built only when the document is published, and a name the resolver already used for another schema
is kept apart."""

from __future__ import annotations

import sys
from typing import Any

from pydantic import Field

from shared.core.entity import Model
from shared.core.openapi import CSV_MEDIA, MODEL_KEY, published_document, returns, returns_csv


class Thing(Model):
    """A made-up body."""

    thing_id: str
    size: int = Field(ge=0)
    tags: list[Tag]


class Tag(Model):
    """A part of it whose name the resolver also uses for another schema."""

    label: str


Thing.model_rebuild()
HERE = f"{__name__}:Thing"


def document(responses: dict[int, Any]) -> dict[str, Any]:
    """A resolver's document with one route answering `responses` (as Powertools writes them: str statuses)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": {"responses": {str(k): v for k, v in responses.items()}}}},
        "components": {"schemas": {"Tag": {"type": "string"}}},
    }


def test_a_named_model_is_only_a_name_until_the_document_is_published() -> None:
    # When a route declares its body
    declared = returns(HERE, 201, 200)
    # Then the declaration holds the model's name, not the class (nothing to build at import)
    assert set(declared) == {201, 200}
    assert declared[201]["content"]["application/json"]["schema"] == {MODEL_KEY: HERE}
    assert "pydantic" not in repr(declared)


def test_publishing_resolves_the_model_keeps_a_clashing_name_apart_and_is_idempotent() -> None:
    # When the document is published
    doc = published_document(document(returns(HERE, 201)))
    # Then the 201 body is a $ref to the model's serialization schema, its parts included
    responses = doc["paths"]["/things"]["post"]["responses"]
    assert responses["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    schemas = doc["components"]["schemas"]
    assert schemas["Thing"]["required"] == ["thing_id", "size", "tags"]
    # And the resolver's own "Tag" stays, the model's part is renamed and referred to by its new name
    assert schemas["Tag"] == {"type": "string"}
    assert schemas["Thing"]["properties"]["tags"]["items"] == {"$ref": "#/components/schemas/TagResponse"}
    assert schemas["TagResponse"]["required"] == ["label"]
    # And a declared POST body is not copied to an undeclared 200/201, and publishing twice changes nothing
    assert "200" not in responses
    assert published_document(doc) == doc


def test_a_csv_download_and_a_csv_alternative_are_text() -> None:
    doc = published_document(document({**returns(HERE, csv=True), 202: returns_csv()[200]}))
    responses = doc["paths"]["/things"]["post"]["responses"]
    assert responses["200"]["content"][CSV_MEDIA] == {"schema": {"type": "string"}}
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert list(responses["202"]["content"]) == [CSV_MEDIA]


def test_the_response_models_module_is_not_imported_by_declaring() -> None:
    # A module named only in a declaration is imported when the document is published, not before
    name = "shared.partners.responses"
    sys.modules.pop(name, None)
    declared = returns(f"{name}:PartnerPage")
    assert name not in sys.modules
    published_document(document(declared))
    assert name in sys.modules
