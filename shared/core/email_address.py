"""EmailAddress: pydantic's EmailStr, with email-validator loaded when an address is first checked.

`EmailStr` imports email-validator (and its compiled RFC patterns, ~15-30 ms) when a model using it is
defined, so every function importing any such model paid it at cold start, even the many requests that never
see an email. The check itself is pydantic's own `validate_email` (the same normalisation and errors).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema
from pydantic.networks import validate_email


def _normalized(value: str) -> str:
    return validate_email(value)[1]


EmailAddress = Annotated[str, AfterValidator(_normalized), WithJsonSchema({"type": "string", "format": "email"})]
"""An email address, validated and normalised exactly as pydantic's EmailStr does."""
