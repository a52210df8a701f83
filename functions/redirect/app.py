"""GET|HEAD /r/{code}: send a referred visitor to the partner's destination, count the click, sign a click id.

Thin wiring: the rules live in shared.services.redirect, the counter in shared.repositories.clicks.
Hot path: boto3 and the standard library only (no pydantic, no stripe, no Powertools); the DynamoDB and
Secrets Manager clients are built on the first invocation and reused while the container is warm.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config

from shared.core.dynamo import Table, make_client
from shared.links.click_store import ClickRepository
from shared.links.redirect import Redirector, Visit

# Fail fast: a slow DynamoDB must cost the visitor at most about a second before we redirect anyway.
_CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 2, "mode": "standard"})

_redirector: Redirector | None = None


def click_token_secret() -> str | None:
    """`CLICK_TOKEN_SECRET` locally; in AWS the Secrets Manager secret named by `..._SECRET_ARN`, read once."""
    direct = os.environ.get("CLICK_TOKEN_SECRET")
    if direct:
        return direct
    arn = os.environ.get("CLICK_TOKEN_SECRET_SECRET_ARN")
    if not arn:
        return None
    client = boto3.client("secretsmanager", config=_CLIENT_CONFIG)
    return str(client.get_secret_value(SecretId=arn)["SecretString"])


def build_redirector() -> Redirector:
    """The redirector of this container, from its environment."""
    table = Table(client=make_client(config=_CLIENT_CONFIG), name=os.environ.get("TABLE_NAME", ""))
    return Redirector(ClickRepository(table), os.environ.get("PROGRAM_ID", "default"), click_token_secret)


def set_redirector(redirector: Redirector | None) -> None:
    """Replace this container's redirector (tests and benchmarks point it at their table and clock)."""
    global _redirector  # noqa: PLW0603 - one per Lambda container, on purpose
    _redirector = redirector


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    global _redirector  # noqa: PLW0603
    if _redirector is None:
        _redirector = build_redirector()
    return _redirector.answer(Visit.from_event(event)).to_response()
