"""An HTTP-shaped client that routes through template.yaml and invokes the real handlers in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response

_lambdas: LocalLambdas | None = None


def lambdas() -> LocalLambdas:
    """The functions of template.yaml, loaded once per test session."""
    global _lambdas  # noqa: PLW0603
    if _lambdas is None:
        _lambdas = LocalLambdas()
    return _lambdas


@dataclass
class ApiResponse:
    """Status, headers (lower-cased names) and body of a response."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def error_code(self) -> str | None:
        """error.code of a JSON error body."""
        try:
            return str(self.json["error"]["code"])
        except (ValueError, KeyError, TypeError):
            return None


class ApiClient:
    """`api.post("/admin/partners", json={...}, headers=...)` -> ApiResponse."""

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        source_ip: str = "203.0.113.7",
        container: int = 0,
    ) -> ApiResponse:
        """Send one request through the local gateway's routing (distinct `container`s run concurrently)."""
        request_headers = {"user-agent": "pytest", "host": "api.test", **(headers or {})}
        raw: bytes | None
        if json_body is not None:
            raw = json.dumps(json_body).encode()
            request_headers.setdefault("content-type", "application/json")
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = body
        found = lambdas().find_route(method.upper(), path)
        if found is None:
            return ApiResponse(404, {}, b'{"error": {"code": "route_not_found", "message": "no such route"}}')
        route, params = found
        event = http_event(
            route=route,
            method=method.upper(),
            path=path,
            query=urlencode(query or {}),
            headers=request_headers,
            body=raw,
            path_parameters=params or None,
            source_ip=source_ip,
        )
        response = to_http_response(lambdas().invoke(route.function, event, container=container))
        merged: dict[str, str] = {}
        for name, value in response.headers:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged and key == "set-cookie" else value
        return ApiResponse(response.status, merged, response.body)

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> ApiResponse:
        """POST with a JSON body."""
        return self.request("POST", path, json_body=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> ApiResponse:
        """PUT with a JSON body."""
        return self.request("PUT", path, json_body=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)
