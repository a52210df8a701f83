"""Endpoint signing secrets at rest: encrypted with the stack's KMS key (settings `WEBHOOK_KMS_KEY_ID`) in AWS, kept
in the item as it is on a local stack.

Why not SSM / Secrets Manager (shared.core.secrets)? Those hold the deployment's few fixed secrets; endpoints
are data that staff create and rotate at run time, one secret each (a Secrets Manager secret per endpoint costs
a monthly fee and needs create/delete rights on secrets). A KMS-sealed attribute keeps the secret next to its
endpoint, readable only by the functions granted `kms:Decrypt` on that key with the endpoint's id as the
encryption context: the table's other readers (every API function, backups, exports) see ciphertext.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

import boto3

from shared.core.secrets import MissingSecret
from shared.core.settings import in_lambda

_KMS = "kms:"
_LOCAL = "local:"


@functools.cache
def _kms() -> Any:
    return boto3.client("kms")


def _context(endpoint_id: str) -> dict[str, str]:
    return {"purpose": "webhook-signing-secret", "endpoint_id": endpoint_id}


def seal(secret: str, endpoint_id: str, key_id: str | None) -> str:
    """The secret as stored: KMS ciphertext bound to the endpoint (with `key_id`), or as is on a local stack (no
    key, not in Lambda). In Lambda without a key it is a deployment error, never a plaintext write."""
    if key_id:
        blob = _kms().encrypt(KeyId=key_id, Plaintext=secret.encode(), EncryptionContext=_context(endpoint_id))
        return _KMS + base64.b64encode(blob["CiphertextBlob"]).decode()
    if in_lambda():
        raise MissingSecret("WEBHOOK_KMS_KEY_ID is not set: webhook secrets are never stored in plain text in AWS")
    return _LOCAL + secret


@functools.lru_cache(maxsize=256)
def unseal(sealed: str, endpoint_id: str) -> str:
    """The secret a stored value holds (KMS answers cached per container: a retry storm costs no KMS calls)."""
    if sealed.startswith(_KMS):
        blob = base64.b64decode(sealed[len(_KMS) :])
        return str(_kms().decrypt(CiphertextBlob=blob, EncryptionContext=_context(endpoint_id))["Plaintext"].decode())
    if sealed.startswith(_LOCAL) and not in_lambda():
        return sealed[len(_LOCAL) :]
    raise MissingSecret("this webhook secret was stored by a local stack and cannot be used in AWS; rotate it")
