"""HTTP wiring shared by the API functions: a Powertools resolver whose every error is
`{"error": {"code", "message"}}` with a 4xx, and never a stack trace.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from shared.core.errors import DomainError, TooManyRequests
from shared.core.observability import logger


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    """The one error body shape of every route."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": error},
        headers={"Cache-Control": "no-store"},
    )


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def describe_validation_errors(errors: list[dict[str, Any]] | Any) -> tuple[str, str, list[dict[str, str]]]:
    """(code, message, fields) for pydantic/Powertools validation errors, naming every bad field."""
    fields: list[dict[str, str]] = []
    for error in errors:
        if error.get("type") == "json_invalid":
            return "malformed_json", "the request body is not valid JSON", []
        location = error.get("loc", ())
        fields.append({"field": _field_name(location), "message": str(error.get("msg", "invalid value"))})
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid request"
    return "validation_error", f"invalid request: {summary}", fields


def domain_error_response(error: DomainError) -> Response:
    """The 4xx JSON answer of a domain error; a rate limit with `details.retry_after` also sets Retry-After."""
    response = error_response(error.status, error.code, error.message, error.details or None)
    retry_after = (error.details or {}).get("retry_after")
    if isinstance(error, TooManyRequests) and retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def make_resolver(*, enable_swagger_path: str | None = None) -> APIGatewayHttpResolver:
    """An APIGatewayHttpResolver with validation on and domain errors mapped to JSON 4xx responses."""
    app = APIGatewayHttpResolver(enable_validation=True)
    if enable_swagger_path:
        app.enable_swagger(path=enable_swagger_path, title="Referral partner program API")

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    def _request_invalid(error: RequestValidationError) -> Response:
        code, message, fields = describe_validation_errors(error.errors())
        status = HTTPStatus.BAD_REQUEST if code == "malformed_json" else HTTPStatus.UNPROCESSABLE_ENTITY
        return error_response(status, code, message, {"fields": fields} if fields else None)

    @app.exception_handler(ValidationError)
    def _model_invalid(error: ValidationError) -> Response:
        code, message, fields = describe_validation_errors(error.errors())
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, code, message, {"fields": fields})

    @app.exception_handler(UnicodeDecodeError)
    def _undecodable(_: UnicodeDecodeError) -> Response:
        return error_response(
            HTTPStatus.BAD_REQUEST, "malformed_body", "the request body is not UTF-8 text; send JSON encoded in UTF-8"
        )

    @app.not_found
    def _not_found(_: Exception) -> Response:
        event = app.current_event
        return error_response(
            HTTPStatus.NOT_FOUND,
            "route_not_found",
            f"no route {event.request_context.http.method} {event.path}",
        )

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        # A bug or an outage: logged with its trace for us, a plain JSON 500 for the caller.
        logger.exception("unhandled error")
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on our side; try again"
        )

    return app
