"""Low-level DynamoDB access: the client, item (de)serialisation, and DynamoDB errors as domain outcomes.

Only the slices' stores and `devstack` use this module; nothing above the data layer touches boto3.
Request dicts are built by small functions so tests can read the exact `ConditionExpression`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from shared.core.errors import BadRequest

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]

BATCH_GET_SIZE = 100  # BatchGetItem's limit
BATCH_WRITE_SIZE = 25  # BatchWriteItem's limit
MAX_TRANSACTION_ACTIONS = 100  # TransactWriteItems' limit


class ConditionFailed(Exception):
    """A conditional write found the item not in the expected state (e.g. it already exists)."""

    def __init__(self, item: Item | None = None) -> None:
        super().__init__("condition failed")
        self.item = item


class TransactionCancelled(Exception):
    """A transaction was refused as a whole; `reasons[i]` is the code for the i-th action ("None" if fine)."""

    def __init__(self, reasons: list[str], items: list[Item | None] | None = None) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons
        self.items = items or [None] * len(reasons)

    @property
    def failed_conditions(self) -> list[int]:
        """Indexes of the actions whose condition failed."""
        return [i for i, reason in enumerate(self.reasons) if reason == "ConditionalCheckFailed"]

    @property
    def conflicted(self) -> bool:
        """True when another transaction touched the same items (worth retrying)."""
        return "TransactionConflict" in self.reasons


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """Python values to DynamoDB attribute values; None values are dropped."""
    return {k: _attribute(v) for k, v in item.items() if v is not None}


def deserialize(attributes: Mapping[str, Any]) -> Item:
    """DynamoDB attribute values to Python values; whole numbers come back as int, never float."""
    return {k: _python(v) for k, v in attributes.items()}


# The fast paths below give exactly what boto3's TypeSerializer/TypeDeserializer (and the int/None rules of this
# module) give, for the types every item is made of: plain str, int, bool, dict and list, checked by exact type.
# Anything else (Decimal, sets, bytes, enums, other mappings) takes boto3's own path. A ledger write serializes
# some 150 values: boto3's generic walk was about a sixth of the webhook's own CPU per Stripe event, botocore
# aside (tests/unit/core/test_dynamo_items.py holds the two equal).
_MAX_DIGITS = 38  # DynamoDB's number precision: a longer int is refused by boto3's context, so it goes there


def _attribute(value: Any) -> dict[str, Any]:
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int:
        text = str(value)
        if len(text) - (text[0] == "-") <= _MAX_DIGITS:
            return {"N": text}
    elif kind is dict:
        return {"M": {k: _attribute(v) for k, v in value.items() if v is not None}}
    elif kind is list or kind is tuple:
        return {"L": [{"NULL": True} if v is None else _attribute(v) for v in value]}
    return _serializer.serialize(_to_dynamo_value(value))


def _python(attribute: Mapping[str, Any]) -> Any:
    if len(attribute) == 1:
        tag, value = next(iter(attribute.items()))
        if tag == "S":
            return value
        if tag == "N" and type(value) is str:
            digits = value[1:] if value[:1] == "-" else value
            if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_DIGITS:
                return int(value)  # what Decimal -> int gives for a whole number, without the Decimal
        if tag == "M":
            return {k: _python(v) for k, v in value.items()}
        if tag == "L":
            return [_python(v) for v in value]
        if tag == "BOOL":
            return value
    return _from_dynamo_value(_deserializer.deserialize(attribute))


def _to_dynamo_value(value: Any) -> Any:
    if isinstance(value, float):
        raise TypeError("floats are not stored: use int minor units or Decimal")
    if isinstance(value, dict):
        return {k: _to_dynamo_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo_value(v) for v in value]
    return value


def _from_dynamo_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: _from_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo_value(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo_value(v) for v in value}
    return value


def make_client(endpoint_url: str | None = None, config: Config | None = None) -> Any:
    """A DynamoDB client; `DYNAMODB_ENDPOINT` points it at DynamoDB Local. `config` overrides the timeouts."""
    endpoint = endpoint_url or os.environ.get("DYNAMODB_ENDPOINT") or None
    # No client-side parameter validation: DynamoDB validates every request itself, and botocore's walk over
    # a ledger transaction's attribute values costs milliseconds of Lambda CPU per Stripe event.
    config = config or Config(
        retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=2, read_timeout=5, parameter_validation=False
    )
    kwargs: dict[str, Any] = {"config": config}
    if endpoint:
        kwargs.update(
            endpoint_url=endpoint,
            region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        )
    return boto3.client("dynamodb", **kwargs)


@dataclass
class Table:
    """One DynamoDB table, with the few operations the repositories need and errors mapped to outcomes."""

    client: Any
    name: str
    request_count: int = field(default=0)

    @classmethod
    def from_env(cls) -> Table:
        """The table named by `TABLE_NAME`, reached through `DYNAMODB_ENDPOINT` when set."""
        return cls(client=make_client(), name=os.environ["TABLE_NAME"])

    # ------------------------------------------------------------ single items
    def get(self, key: Mapping[str, str], *, consistent: bool = False) -> Item | None:
        """The item at key, or None."""
        self.request_count += 1
        response = self.client.get_item(TableName=self.name, Key=serialize(key), ConsistentRead=consistent)
        raw = response.get("Item")
        return deserialize(raw) if raw else None

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """Write an item; with a condition, raise ConditionFailed (carrying the existing item) when it fails."""
        request = put_request(self.name, item, condition=condition, names=names, values=values)
        self.request_count += 1
        try:
            self.client.put_item(**request, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as error:
            raise _condition_failed_or_raise(error) from error

    def set_if_exists(self, key: Mapping[str, str], attribute: str, value: Any) -> bool:
        """SET one attribute of an existing item (idempotent); False when there is no item (none is created)."""
        try:
            self.update(key, "SET #attribute = :value", condition=EXISTS, names={"#attribute": attribute},
                        values={":value": value})  # fmt: skip
        except ConditionFailed:
            return False
        return True

    def update(
        self,
        key: Mapping[str, str],
        update: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        return_values: str = "ALL_NEW",
    ) -> Item | None:
        """Apply an update expression; raise ConditionFailed when the condition fails."""
        request = update_request(self.name, key, update, condition=condition, names=names, values=values)
        self.request_count += 1
        try:
            response = self.client.update_item(
                **request, ReturnValues=return_values, ReturnValuesOnConditionCheckFailure="ALL_OLD"
            )
        except ClientError as error:
            raise _condition_failed_or_raise(error) from error
        raw = response.get("Attributes")
        return deserialize(raw) if raw else None

    def delete(self, key: Mapping[str, str], *, condition: str | None = None) -> None:
        """Delete an item (conditionally)."""
        request: dict[str, Any] = {"TableName": self.name, "Key": serialize(key)}
        if condition:
            request["ConditionExpression"] = condition
        self.request_count += 1
        try:
            self.client.delete_item(**request)
        except ClientError as error:
            raise _condition_failed_or_raise(error) from error

    # ------------------------------------------------------------ many items
    def query(
        self,
        key_condition: str,
        values: Mapping[str, Any],
        *,
        index: str | None = None,
        names: Mapping[str, str] | None = None,
        filter_expression: str | None = None,
        forward: bool = True,
        limit: int | None = None,
        start_key: Mapping[str, Any] | None = None,
        consistent: bool = False,
    ) -> tuple[list[Item], dict[str, Any] | None]:
        """One page of a Query: (items, LastEvaluatedKey or None)."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": serialize(values),
            "ScanIndexForward": forward,
        }
        if index:
            request["IndexName"] = index
        elif consistent:
            request["ConsistentRead"] = True
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        if filter_expression:
            request["FilterExpression"] = filter_expression
        if limit:
            request["Limit"] = limit
        if start_key:
            request["ExclusiveStartKey"] = start_key
        self.request_count += 1
        try:
            response = self.client.query(**request)
        except ClientError as error:
            if start_key and error.response.get("Error", {}).get("Code") == "ValidationException":
                # A cursor from another listing (or crafted) names a key outside this query.
                raise BadRequest("the cursor is not one this API issued", code="invalid_cursor") from error
            raise
        return [deserialize(i) for i in response.get("Items", [])], response.get("LastEvaluatedKey")

    def query_all(self, key_condition: str, values: Mapping[str, Any], **kwargs: Any) -> Iterator[Item]:
        """Every item of a Query, following pages."""
        start: dict[str, Any] | None = None
        while True:
            items, start = self.query(key_condition, values, start_key=start, **kwargs)
            yield from items
            if not start:
                return

    def batch_get(self, key_list: Sequence[Mapping[str, str]], *, consistent: bool = False) -> list[Item]:
        """The items at these keys that exist, in no particular order: BatchGetItem, 100 keys a request,
        unprocessed keys (throttling) sent again. Duplicate keys are read once."""
        unique = list({(k["pk"], k["sk"]): k for k in key_list}.values())
        found: list[Item] = []
        for start in range(0, len(unique), BATCH_GET_SIZE):
            pending: dict[str, Any] = {
                self.name: {
                    "Keys": [serialize(k) for k in unique[start : start + BATCH_GET_SIZE]],
                    "ConsistentRead": consistent,
                }
            }
            while pending:
                self.request_count += 1
                response = self.client.batch_get_item(RequestItems=pending)
                found += [deserialize(i) for i in response.get("Responses", {}).get(self.name, [])]
                # The client's retry config backs off between calls when keys come back unprocessed.
                pending = response.get("UnprocessedKeys") or {}
        return found

    def batch_put(self, items: Sequence[Mapping[str, Any]]) -> int:
        """Write items unconditionally with BatchWriteItem (25 a request, unprocessed ones resent): for
        imports and seeding only, where no condition is needed. Returns the number of requests made."""
        requests = 0
        for start in range(0, len(items), BATCH_WRITE_SIZE):
            pending: dict[str, Any] = {
                self.name: [{"PutRequest": {"Item": serialize(i)}} for i in items[start : start + BATCH_WRITE_SIZE]]
            }
            while pending:
                self.request_count += 1
                requests += 1
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return requests

    def transact_write(self, actions: Sequence[Mapping[str, Any]]) -> None:
        """All-or-nothing write of up to 100 actions built with put_action/update_action/condition_action."""
        if not actions:
            return
        if len(actions) > MAX_TRANSACTION_ACTIONS:
            raise ValueError(f"a DynamoDB transaction holds at most {MAX_TRANSACTION_ACTIONS} actions")
        self.request_count += 1
        try:
            self.client.transact_write_items(TransactItems=list(actions))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                reasons_raw = error.response.get("CancellationReasons", [])
                reasons = [r.get("Code", "None") for r in reasons_raw]
                items = [deserialize(r["Item"]) if r.get("Item") else None for r in reasons_raw]
                raise TransactionCancelled(reasons, items) from error
            raise

    # ------------------------------------------------------------ transaction actions
    def put_action(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A Put for transact_write."""
        request = put_request(self.name, item, condition=condition, names=names, values=values)
        if condition:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Put": request}

    def update_action(
        self,
        key: Mapping[str, str],
        update: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An Update for transact_write."""
        request = update_request(self.name, key, update, condition=condition, names=names, values=values)
        if condition:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Update": request}

    def condition_action(
        self,
        key: Mapping[str, str],
        condition: str,
        *,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A ConditionCheck for transact_write."""
        request: dict[str, Any] = {"TableName": self.name, "Key": serialize(key), "ConditionExpression": condition}
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        if values:
            request["ExpressionAttributeValues"] = serialize(values)
        return {"ConditionCheck": request}

    def delete_action(self, key: Mapping[str, str], *, condition: str | None = None) -> dict[str, Any]:
        """A Delete for transact_write."""
        request: dict[str, Any] = {"TableName": self.name, "Key": serialize(key)}
        if condition:
            request["ConditionExpression"] = condition
        return {"Delete": request}


def put_request(
    table_name: str,
    item: Mapping[str, Any],
    *,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The PutItem request dict (also the body of a transaction's Put)."""
    request: dict[str, Any] = {"TableName": table_name, "Item": serialize(item)}
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = serialize(values)
    return request


def update_request(
    table_name: str,
    key: Mapping[str, str],
    update: str,
    *,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The UpdateItem request dict (also the body of a transaction's Update)."""
    request: dict[str, Any] = {"TableName": table_name, "Key": serialize(key), "UpdateExpression": update}
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = serialize(values)
    return request


NOT_EXISTS = "attribute_not_exists(pk)"
EXISTS = "attribute_exists(pk)"


def _condition_failed_or_raise(error: ClientError) -> Exception:
    if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
        raw = error.response.get("Item")
        return ConditionFailed(deserialize(raw) if raw else None)
    return error
