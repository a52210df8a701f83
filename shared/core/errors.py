"""Domain errors. Each carries an HTTP status, a machine code and a message a person can act on.

Routes never build error bodies themselves: `shared.http` turns these into
`{"error": {"code": ..., "message": ...}}` with the right 4xx status.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base class: an outcome the caller can act on, not a bug."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}


class BadRequest(DomainError):
    """The request is well-formed JSON but breaks a business rule."""


class Unauthorized(DomainError):
    """No credential, or a wrong one."""

    status = 401
    default_code = "unauthorized"


class Forbidden(DomainError):
    """A valid credential that may not do this."""

    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    """The thing named does not exist (or belongs to someone else: we never say which)."""

    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The write would break uniqueness or a state rule (duplicate code, illegal transition)."""

    status = 409
    default_code = "conflict"


class PayloadTooLarge(DomainError):
    """The body is larger than the route accepts."""

    status = 413
    default_code = "payload_too_large"


class TooManyRequests(DomainError):
    """A rate limit was hit; try again later."""

    status = 429
    default_code = "rate_limited"
