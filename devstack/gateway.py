"""A small local API Gateway: serves every HttpApi route of template.yaml on one port and invokes the
same handlers with HTTP API v2 events. It does not check IAM: the admin routes use the `.env` token.
"""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


def make_server(host: str, port: int, lambdas: LocalLambdas, *, quiet: bool = False) -> ThreadingHTTPServer:
    """An HTTP server that routes to the local Lambdas."""

    class GatewayHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "local-api-gateway"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _handle(self) -> None:
            started = time.perf_counter()
            url = urlsplit(self.path)
            method = self.command.upper()
            found = lambdas.find_route(method, url.path)
            if found is None:
                self._send(404, [("Content-Type", "application/json")], _error("route_not_found", "no such route"))
                self._log(method, url.path, 404, "-", started)
                return
            route, params = found
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._send(413, [("Content-Type", "application/json")], _error("payload_too_large", "body over 10 MB"))
                return
            body = self.rfile.read(length) if length else None
            event = http_event(
                route=route,
                method=method,
                path=url.path,
                query=url.query,
                headers=dict(self.headers.items()),
                body=body,
                path_parameters=params or None,
                source_ip=self.client_address[0],
            )
            try:
                response = to_http_response(lambdas.invoke(route.function, event))
            except Exception as error:  # a crash of the function: API Gateway answers 500 too
                print(f"!! {route.function} raised {error!r}", file=sys.stderr, flush=True)
                self._send(500, [("Content-Type", "application/json")], _error("internal_error", "function crashed"))
                self._log(method, url.path, 500, route.function, started)
                return
            self._send(response.status, response.headers, response.body)
            self._log(method, url.path, response.status, route.function, started)

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _log(self, method: str, path: str, status: int, function: str, started: float) -> None:
            if not quiet:
                elapsed = (time.perf_counter() - started) * 1000
                print(f"{method:6} {path:40} -> {status} [{function}] {elapsed:.1f} ms", flush=True)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return ThreadingHTTPServer((host, port), GatewayHandler)


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()
