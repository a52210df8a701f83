"""Each function's environment: one settings model per function, read and validated once per container, with
an error that names the variable. template.yaml sets the variables in AWS, `.env.example` locally.

Standard-library dataclasses, not pydantic: the redirect must not import pydantic (its cold-start budget), and
one mechanism for every function keeps the rules of each variable in one place (`Variable` below).

`Settings` holds every field the shared code reads through `AppContext.settings`, so a test can build one for
any function. A function's model is a subclass naming the `variables` that function reads (a field it does
not read keeps its default) and the `secrets` it uses. Secrets are not settings: `shared.core.secrets` reads
them where they are used (NAME locally, NAME_PARAM or NAME_SECRET_ARN in AWS), cached. Not read here either:
Powertools' own variables (POWERTOOLS_*, LOG_LEVEL), the per-invocation trace header, and the local endpoint
overrides `DYNAMODB_ENDPOINT` (shared.core.dynamo) and `STRIPE_API_BASE` (read when a client is built, so a
test can point a client at a fake server it has just started).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

DEFAULT_PROGRAM_ID = "default"
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_PROGRAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # template.yaml's ProgramId AllowedPattern
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_:.$-]{1,170}$")  # a function name, partial or full ARN


class SettingsError(RuntimeError):
    """A function's environment lacks a variable or holds an invalid one: a deployment error, not a caller's."""


def _table_name(text: str) -> str:
    if not _TABLE_NAME.match(text):
        raise ValueError("not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)")
    return text


def _program_id(text: str) -> str:
    if not _PROGRAM_ID.match(text):
        raise ValueError("not a program id (lower-case letters, digits and -, at most 63)")
    return text


def _text(text: str) -> str:
    return text


def _http_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("not an absolute http(s) URL without query or fragment")
    return text


def _timezone(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415 - not on the redirect's import path

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("not an IANA timezone (e.g. UTC, Europe/Berlin)") from error
    return text


def _mail_transport(text: str) -> str:
    if text.strip().lower() not in ("ses", "file"):
        raise ValueError("not a mail transport (ses, or file for .eml files)")
    return text.strip().lower()


def _function_name(text: str) -> str:
    if not _FUNCTION_NAME.match(text):
        raise ValueError("not a Lambda function name or ARN")
    return text


@dataclass(frozen=True)
class Variable:
    """One environment variable: the settings field it fills, how its text is checked, whether it is required.

    A variable set to the empty string counts as not set (`.env` lines like `STRIPE_API_BASE=`).
    """

    name: str
    field: str
    parse: Callable[[str], Any]
    required: bool = False


TABLE_NAME = Variable("TABLE_NAME", "table_name", _table_name, required=True)
PROGRAM_ID = Variable("PROGRAM_ID", "program_id", _program_id)
# Local development only: the admin bearer token. In AWS the admin routes sit behind the IAM authorizer.
ADMIN_TOKEN = Variable("ADMIN_TOKEN", "admin_token", _text)
# Share links are PUBLIC_BASE_URL/r/<code>; unset, the partner API uses the domain the request came in on.
PUBLIC_BASE_URL = Variable("PUBLIC_BASE_URL", "public_base_url", _http_url)
PAYOUT_TIMEZONE = Variable("PAYOUT_TIMEZONE", "payout_timezone", _timezone)
# Unset (locally): POST /admin/payouts/run pays in-process instead of invoking the payout function.
PAYOUTS_FUNCTION_NAME = Variable("PAYOUTS_FUNCTION_NAME", "payouts_function_name", _function_name)
# Unset (locally): the payout function pays every shard itself instead of one SQS message per shard.
PAYOUT_SHARD_QUEUE_URL = Variable("PAYOUT_SHARD_QUEUE_URL", "payout_shard_queue_url", _http_url)
# The stack's EventBridge bus the publisher puts domain events on; unset (locally): the local bus (devstack/bus.py).
EVENT_BUS_NAME = Variable("EVENT_BUS_NAME", "event_bus_name", _text)
# Partner emails (shared.core.mail reads them when it sends; checked here at the notifier's cold start).
MAIL_TRANSPORT = Variable("MAIL_TRANSPORT", "mail_transport", _mail_transport)
MAIL_FROM = Variable("MAIL_FROM", "mail_from", _text)
# Outgoing webhooks: the deliveries queue (unset, locally: the in-process queue) and the KMS key that seals the
# endpoints' signing secrets (unset, locally: kept as they are in the local table; required in Lambda).
WEBHOOK_QUEUE_URL = Variable("WEBHOOK_QUEUE_URL", "webhook_queue_url", _http_url)
WEBHOOK_KMS_KEY_ID = Variable("WEBHOOK_KMS_KEY_ID", "webhook_kms_key_id", _text)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting the shared code reads; as a model, what the local stack reads (all functions, one process)."""

    table_name: str
    program_id: str = DEFAULT_PROGRAM_ID
    admin_token: str | None = None
    public_base_url: str | None = None
    payout_timezone: str = "UTC"
    payouts_function_name: str | None = None
    payout_shard_queue_url: str | None = None
    event_bus_name: str | None = None
    mail_transport: str = "file"
    mail_from: str | None = None
    webhook_queue_url: str | None = None
    webhook_kms_key_id: str | None = None

    variables: ClassVar[tuple[Variable, ...]] = (
        TABLE_NAME,
        PROGRAM_ID,
        ADMIN_TOKEN,
        PUBLIC_BASE_URL,
        PAYOUT_TIMEZONE,
        PAYOUTS_FUNCTION_NAME,
        PAYOUT_SHARD_QUEUE_URL,
        EVENT_BUS_NAME,
        MAIL_TRANSPORT,
        MAIL_FROM,
        WEBHOOK_QUEUE_URL,
        WEBHOOK_KMS_KEY_ID,
    )
    secrets: ClassVar[tuple[str, ...]] = ("CLICK_TOKEN_SECRET", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_KEY")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """This model's variables from the environment, checked; SettingsError names every bad or missing one."""
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems: list[str] = []
        for variable in cls.variables:
            text = source.get(variable.name, "").strip()
            if not text:
                if variable.required:
                    problems.append(f"{variable.name} is not set")
                continue
            try:
                values[variable.field] = variable.parse(text)
            except ValueError as error:
                problems.append(f"{variable.name}={text!r} is {error}")
        if problems:
            raise SettingsError(f"{cls.__name__}: " + "; ".join(problems))
        return cls(**values)


class RedirectSettings(Settings):
    """GET /r/{code}. Without the click-token secret it still redirects, with no click id."""

    variables = (TABLE_NAME, PROGRAM_ID)
    secrets = ("CLICK_TOKEN_SECRET",)


class LeadsSettings(Settings):
    """POST /leads: the secret verifies click tokens and keys the per-IP rate limit."""

    variables = (TABLE_NAME, PROGRAM_ID)
    secrets = ("CLICK_TOKEN_SECRET",)


class StripeWebhookSettings(Settings):
    """POST /webhooks/stripe: Stripe's signing secret; the click-token secret verifies checkout attributions."""

    variables = (TABLE_NAME, PROGRAM_ID)
    secrets = ("STRIPE_WEBHOOK_SECRET", "CLICK_TOKEN_SECRET")


class AdminApiSettings(Settings):
    """/admin/...: the payout function it starts and the timezone of its previews (STRIPE_API_KEY only when it
    pays in-process, locally)."""

    # The webhook queue (a replay's wake-up) and key (a new endpoint's sealed secret): shared.webhooks.
    variables = (
        TABLE_NAME,
        PROGRAM_ID,
        ADMIN_TOKEN,
        PAYOUT_TIMEZONE,
        PAYOUTS_FUNCTION_NAME,
        WEBHOOK_QUEUE_URL,
        WEBHOOK_KMS_KEY_ID,
    )
    secrets = ()


class PartnerApiSettings(Settings):
    """/partner/...: the base URL of the share links."""

    variables = (TABLE_NAME, PROGRAM_ID, PUBLIC_BASE_URL)
    secrets = ()


class PayoutsSettings(Settings):
    """The payout run: its period's timezone, the shard queue it fans out to, and the Stripe API key."""

    variables = (TABLE_NAME, PROGRAM_ID, PAYOUT_TIMEZONE, PAYOUT_SHARD_QUEUE_URL)
    secrets = ("STRIPE_API_KEY",)


class PublisherSettings(Settings):
    """The outbox publisher: the table and the bus it puts events on."""

    variables = (TABLE_NAME, PROGRAM_ID, EVENT_BUS_NAME)
    secrets = ()


class NotifierSettings(Settings):
    """The partner emails consumer: the table and the base URL of the links in its emails."""

    variables = (TABLE_NAME, PROGRAM_ID, PUBLIC_BASE_URL, MAIL_TRANSPORT, MAIL_FROM)
    secrets = ()


def stripe_api_base() -> str | None:
    """STRIPE_API_BASE: a local Stripe stand-in's URL (tests, `.env`); unset means api.stripe.com.

    An endpoint override like DYNAMODB_ENDPOINT: read when a Stripe client is built, not once per container,
    so a test can point the client at a fake server it has just started on a free port.
    """
    return os.environ.get("STRIPE_API_BASE", "").strip() or None


def in_lambda() -> bool:
    """True inside AWS Lambda (the runtime sets AWS_LAMBDA_FUNCTION_NAME), false on the local stack and in tests:
    what must never be relaxed in AWS (loopback webhook URLs, plain-text secrets, the in-process queue) asks this."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
