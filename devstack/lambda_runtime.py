"""Invoke the functions of template.yaml in-process, the way Lambda and API Gateway (HTTP API v2) do."""

from __future__ import annotations

import base64
import importlib
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from devstack.template import FunctionSpec, Route, functions, routes

Handler = Callable[[dict[str, Any], Any], Any]


class LambdaContext:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.function_name = f"local-{spec.logical_id}"
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(spec: FunctionSpec) -> Handler:
    """Import functions/<name>/app.py and return its handler (as named by the template)."""
    module_name, _, attribute = spec.handler.rpartition(".")
    module = importlib.import_module(f"functions.{spec.name}.{module_name}")
    handler: Handler = getattr(module, attribute)
    return handler


@dataclass
class RouteMatcher:
    """Matches a request to a template route, API Gateway style ({name} and {proxy+} segments)."""

    route: Route
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, route: Route) -> RouteMatcher:
        """Compile an API Gateway path template."""
        regex = ""
        for segment in route.path.strip("/").split("/"):
            if segment.startswith("{") and segment.endswith("+}"):
                regex += f"/(?P<{segment[1:-2]}>.+)"
            elif segment.startswith("{") and segment.endswith("}"):
                regex += f"/(?P<{segment[1:-1]}>[^/]+)"
            else:
                regex += "/" + re.escape(segment)
        return cls(route, re.compile(f"^{regex or '/'}$"))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when method and path match, else None."""
        if self.route.method not in ("ANY", method):
            return None
        found = self.pattern.match(path)
        return found.groupdict() if found else None


class LocalLambdas:
    """Every function of the template, loaded once, invoked one at a time each (as one Lambda container)."""

    def __init__(self) -> None:
        self.specs = functions()
        self.matchers = [RouteMatcher.of(r) for r in routes()]
        # Exact paths first, then the fewest parameters: API Gateway's "most specific route wins".
        self.matchers.sort(key=lambda m: (m.route.path.count("{"), -len(m.route.path)))
        self._handlers: dict[str, Handler] = {}
        self._locks: dict[tuple[str, int], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def handler(self, name: str) -> Handler:
        """The loaded handler of function `name`."""
        if name not in self._handlers:
            self._handlers[name] = load_handler(self.specs[name])
        return self._handlers[name]

    def invoke(self, name: str, event: dict[str, Any], *, container: int = 0) -> Any:
        """Invoke a function with an event, as Lambda would: one invocation at a time per container.

        The gateway uses container 0, so each function behaves as one warm container. Tests of concurrent
        deliveries pass distinct containers to run invocations at the same time, as Lambda scales out (the
        module is loaded once, so this suits handlers that keep no per-request state in module globals).
        """
        with self._locks_guard:
            lock = self._locks.setdefault((name, container), threading.Lock())
        with lock:
            return self.handler(name)(event, LambdaContext(self.specs[name]))

    def find_route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route a request goes to, and its path parameters."""
        for matcher in self.matchers:
            params = matcher.match(method, path)
            if params is not None:
                return matcher.route, params
        return None


def _is_utf8(body: bytes) -> bool:
    """API Gateway passes a body that is not valid UTF-8 base64-encoded, whatever its content type."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def http_event(
    *,
    route: Route,
    method: str,
    path: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    path_parameters: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2.0 event, as API Gateway builds it."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    query_params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
    now = datetime.now(UTC)
    is_text = body is not None and _is_text(lowered.get("content-type", "")) and _is_utf8(body)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": bool(body) and not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    if query_params:
        event["queryStringParameters"] = query_params
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = body.decode("utf-8") if is_text else base64.b64encode(body).decode()
    return event


def _is_text(content_type: str) -> bool:
    content_type = content_type.lower()
    return content_type.startswith("text/") or any(
        t in content_type for t in ("json", "x-www-form-urlencoded", "xml", "javascript")
    )


@dataclass
class HttpResponse:
    """What API Gateway sends back for a handler's result."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def to_http_response(result: Any) -> HttpResponse:
    """Turn a handler's return value into an HTTP response, as API Gateway's v2 format does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        import json

        return HttpResponse(200, [("Content-Type", "application/json")], json.dumps(result).encode())
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values)
    headers.extend(("Set-Cookie", c) for c in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return HttpResponse(int(result["statusCode"]), headers, body)
