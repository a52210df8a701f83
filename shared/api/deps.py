"""The AppContext the routes use: built from the environment at first use, replaceable in tests."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from shared.services.context import AppContext

_context: AppContext | None = None


def get_context() -> AppContext:
    """The context of this function (table, clock, settings), built once per cold start."""
    global _context  # noqa: PLW0603 - one context per Lambda container, on purpose
    if _context is None:
        _context = AppContext.from_env()
    return _context


def set_context(context: AppContext | None) -> None:
    """Replace the context (tests and the local gateway give their own table and clock)."""
    global _context  # noqa: PLW0603
    _context = context


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
