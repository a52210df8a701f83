"""Secrets: from SSM Parameter Store or Secrets Manager in AWS (Powertools Parameters, cached),
from the environment locally.

Each secret has two environment names: `NAME` holds the value itself (local `.env` only) and
`NAME_PARAM` the SSM SecureString name or `NAME_SECRET_ARN` the Secrets Manager ARN (set by template.yaml).
"""

from __future__ import annotations

import os
from typing import Any

import boto3

CACHE_SECONDS = 300


class MissingSecret(RuntimeError):
    """A secret is configured nowhere: a deployment error, not a caller's."""


def get_secret(name: str) -> str:
    """The value of secret `name` (e.g. "STRIPE_WEBHOOK_SECRET")."""
    direct = os.environ.get(name)
    if direct:
        return direct
    ssm_name = os.environ.get(f"{name}_PARAM")
    if ssm_name:
        # Imported lazily: functions that never need a secret do not pay for the import.
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

        return str(parameters.get_parameter(ssm_name, decrypt=True, max_age=CACHE_SECONDS))
    secret_arn = os.environ.get(f"{name}_SECRET_ARN")
    if secret_arn:
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

        return str(parameters.get_secret(secret_arn, max_age=CACHE_SECONDS))
    raise MissingSecret(f"secret {name} is not configured ({name}, {name}_PARAM or {name}_SECRET_ARN)")


def read_secret(name: str, *, client_config: Any = None) -> str | None:
    """Secret `name` with boto3 alone (no Powertools, no cache: the caller keeps it), for the redirect's path:
    `NAME` locally, else the Secrets Manager secret `NAME_SECRET_ARN`; None when neither is configured."""
    direct = os.environ.get(name)
    if direct:
        return direct
    secret_arn = os.environ.get(f"{name}_SECRET_ARN")
    if not secret_arn:
        return None
    client = boto3.client("secretsmanager", config=client_config)
    return str(client.get_secret_value(SecretId=secret_arn)["SecretString"])
