"""HTTP wiring shared by the API functions: a Powertools resolver whose every error is
`{"error": {"code", "message"}}` with a 4xx, and never a stack trace.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import ValidationError

from shared.core.body import JSON_MEDIA_TYPE, check_request_body
from shared.core.errors import BadRequest, DomainError, TooManyRequests
from shared.core.observability import logger
from shared.core.openapi import published_document

Authenticate = Callable[[APIGatewayProxyEventV2], Mapping[str, Any] | None]
"""Checks a request's credential (raising Unauthorized) and returns what to keep in the router context."""


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


def header(event: APIGatewayProxyEventV2, name: str) -> str | None:
    """A request header by case-insensitive name."""
    wanted = name.lower()
    return next((v for k, v in (event.headers or {}).items() if k.lower() == wanted), None)


def published_openapi(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The app's published OpenAPI document (shared.core.openapi), built once per container."""
    cached = getattr(app, "_published_openapi", None)
    if cached is None:
        raw = app.get_openapi_schema(title="Referral partner program API")
        cached = published_document(raw.model_dump(mode="json", by_alias=True, exclude_none=True))
        app._published_openapi = cached  # type: ignore[attr-defined]
    return cached


class GuardedResolver(APIGatewayHttpResolver):
    """A resolver that checks the credential, then the body's media type and bounds, before any route,
    validation middleware or parser runs: an anonymous caller learns nothing but 401, and no body can
    reach a parser unbounded (docs: authenticate first, then parse)."""

    def __init__(self, *, authenticate: Authenticate | None, media_types: tuple[str, ...]) -> None:
        super().__init__(enable_validation=True)
        self._authenticate = authenticate
        self._media_types = media_types

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The resolver's description as published (shared.core.openapi): the admin Swagger UI shows the same
        document as `/admin/openapi.json`, response models, error body and credential included."""
        from aws_lambda_powertools.event_handler.openapi.models import OpenAPI  # noqa: PLC0415 - on first use

        sections = getattr(self, "sections", None)  # shared.core.sections: routes loaded on first use
        if sections is not None:
            sections.load_all()
        raw = super().get_openapi_schema(**kwargs).model_dump(mode="json", by_alias=True, exclude_none=True)
        return OpenAPI.model_validate(published_document(raw))

    def _resolve(self) -> ResponseBuilder:
        event = self.current_event
        try:
            if self._authenticate is not None:
                self.append_context(**(self._authenticate(event) or {}))
            try:
                body = event.decoded_body
            except (binascii.Error, UnicodeDecodeError, ValueError) as error:
                raise BadRequest("the request body is not UTF-8 text", code="malformed_body") from error
            check_request_body(event.http_method, header(event, "content-type"), body, self._media_types)
        except DomainError as error:
            return self._response_builder_class(
                response=domain_error_response(error), serializer=self._serializer, route=None
            )
        return super()._resolve()


def make_resolver(
    *,
    enable_swagger_path: str | None = None,
    authenticate: Authenticate | None = None,
    media_types: tuple[str, ...] = (JSON_MEDIA_TYPE,),
    openapi_path: str | None = None,
) -> APIGatewayHttpResolver:
    """A resolver with validation on and domain errors mapped to JSON 4xx responses; `authenticate` runs on
    every request before its body is read, and bodies are checked against `media_types` and the bounds of
    `shared.core.body` before any validation. `openapi_path` serves the published OpenAPI document (JSON)."""
    app = GuardedResolver(authenticate=authenticate, media_types=media_types)
    if openapi_path:

        @app.get(openapi_path, include_in_schema=False)
        def _openapi():  # no return annotation: Powertools would model it
            return Response(
                status_code=HTTPStatus.OK,
                content_type=content_types.APPLICATION_JSON,
                body=published_openapi(app),
                headers={"Cache-Control": "no-store"},
            )

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
