"""Response helpers shared by every JSON route: no caching, pydantic models dumped JSON-safe."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response that caches nowhere (every body here is private or changes)."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def dump(model: Any) -> Any:
    """A pydantic model (or list of them) as JSON-safe data."""
    if isinstance(model, list):
        return [dump(m) for m in model]
    return model.model_dump(mode="json", exclude_none=True)
