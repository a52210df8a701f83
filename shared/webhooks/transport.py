"""One delivery attempt over HTTP: resolve the host, refuse a non-public answer, connect to that very address
(so a DNS answer that changes between the check and the connect, "DNS rebinding", cannot reach an internal
host), POST with short timeouts, read only the first bytes of the answer. Redirects are not followed."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.webhooks.rules import ATTEMPT_TIMEOUT_SECONDS, EXCERPT_CHARACTERS, EndpointUrl, UrlRefused, check_resolved

Resolve = Callable[[str, int], list[str]]
USER_AGENT = "referral-program-webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What an attempt got: the status (None without an answer), its duration, the error, the answer's start."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    body_start: bytes = b""


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (IPv4 and IPv6), in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with SNI and certificate verification for the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _connection(endpoint: EndpointUrl, address: str, timeout: float) -> http.client.HTTPConnection:
    if endpoint.https:
        return _PinnedHTTPSConnection(endpoint.host, endpoint.port, address, timeout)
    return http.client.HTTPConnection(address, endpoint.port, timeout=timeout)


def post(
    endpoint: EndpointUrl,
    body: bytes,
    headers: Mapping[str, str],
    *,
    resolve: Resolve = system_resolve,
    timeout: float = ATTEMPT_TIMEOUT_SECONDS,
) -> Answer:
    """POST `body` to the endpoint; every failure (refused address, DNS, TLS, timeout, reset) is an Answer with
    an error, never an exception."""
    started = time.monotonic()

    def answer(status: int | None, error: str | None = None, start: bytes = b"") -> Answer:
        return Answer(status, int((time.monotonic() - started) * 1000), error, start)

    connection: http.client.HTTPConnection | None = None
    try:
        if endpoint.loopback:
            address = "::1" if endpoint.host == "::1" else "127.0.0.1"
        else:
            address = check_resolved(endpoint.host, resolve(endpoint.host, endpoint.port))
        parts = urlsplit(endpoint.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = _connection(endpoint, address, timeout)
        default_port = 443 if endpoint.https else 80
        host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host  # an IPv6 literal
        host_header = host if endpoint.port == default_port else f"{host}:{endpoint.port}"
        connection.request(
            "POST",
            target,
            body=body,
            headers={
                "Host": host_header,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
                **headers,
            },
        )
        response = connection.getresponse()
        return answer(response.status, None, response.read(EXCERPT_CHARACTERS * 4))
    except UrlRefused as error:
        return answer(None, f"refused: {error}")
    except TimeoutError:
        return answer(None, f"no answer within {timeout:g} s")
    except socket.gaierror as error:
        return answer(None, f"DNS lookup failed: {error.strerror or error}")
    except ssl.SSLError as error:
        return answer(None, f"TLS failed: {error.reason or error}")
    except (OSError, http.client.HTTPException) as error:
        return answer(None, f"{type(error).__name__}: {error}"[:EXCERPT_CHARACTERS])
    finally:
        if connection is not None:
            connection.close()
