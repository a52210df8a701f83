"""Listing a partition: one page behind an opaque cursor (DynamoDB's LastEvaluatedKey, base64url-encoded
JSON), or every item of it.

Every store lists through `query_page` / `query_partition`, so a cursor is checked and issued one way.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from typing import Any

from shared.core.dynamo import Item, Table
from shared.core.errors import BadRequest


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    """The cursor for the next page, or None on the last page."""
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, expected_keys: set[str] | None = None) -> dict[str, Any] | None:
    """The ExclusiveStartKey a cursor stands for; a cursor that was tampered with is a 400."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as error:
        raise BadRequest("the cursor is not one this API issued", code="invalid_cursor") from error
    if not isinstance(decoded, dict) or not all(
        isinstance(v, dict) and len(v) == 1 and "S" in v and isinstance(v["S"], str) for v in decoded.values()
    ):
        raise BadRequest("the cursor is not one this API issued", code="invalid_cursor")
    if expected_keys is not None and not set(decoded) <= expected_keys:
        raise BadRequest("the cursor is not one this API issued", code="invalid_cursor")
    return decoded


def query_page(
    table: Table,
    partition: str,
    sk_prefix: str | None = None,
    *,
    index: str | None = None,
    limit: int,
    cursor: str | None,
    filter_expression: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> tuple[list[Item], str | None]:
    """One page of a partition (of the table, or of `index`), oldest first, and the next page's cursor
    (None on the last page). `filter_expression` with its `names`/`values` narrows the page.
    """
    key_condition, key_values, cursor_keys = _partition_query(partition, sk_prefix, index)
    items, last = table.query(
        key_condition,
        {**key_values, **(values or {})},
        index=index,
        names=names,
        filter_expression=filter_expression,
        limit=limit,
        start_key=decode_cursor(cursor, expected_keys=cursor_keys),
    )
    return items, encode_cursor(last)


def query_partition(
    table: Table, partition: str, sk_prefix: str | None = None, *, index: str | None = None, consistent: bool = False
) -> Iterator[Item]:
    """Every item of a partition (of the table, or of `index`), following pages."""
    key_condition, key_values, _ = _partition_query(partition, sk_prefix, index)
    return table.query_all(key_condition, key_values, index=index, consistent=consistent)


def _partition_query(partition: str, sk_prefix: str | None, index: str | None) -> tuple[str, dict[str, str], set[str]]:
    # The table's key attributes are pk/sk and each index's gsiNpk/gsiNsk (see shared.core.keys).
    pk_name, sk_name = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
    condition, values = f"{pk_name} = :pk", {":pk": partition}
    if sk_prefix is not None:
        condition += f" AND begins_with({sk_name}, :prefix)"
        values[":prefix"] = sk_prefix
    # A cursor of this query can only name the table's key and this index's key.
    return condition, values, {"pk", "sk", pk_name, sk_name}
