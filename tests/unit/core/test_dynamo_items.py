"""Item (de)serialisation of shared.core.dynamo: its fast paths give exactly what boto3's TypeSerializer and
TypeDeserializer (with this module's rules: None dropped from maps, whole numbers as int, no floats) give."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.dynamo import _from_dynamo_value, _to_dynamo_value, deserialize, serialize


def boto3_serialize(item: dict[str, Any]) -> dict[str, Any]:
    """The reference: boto3's TypeSerializer over this module's value rules."""
    return {k: TypeSerializer().serialize(_to_dynamo_value(v)) for k, v in item.items() if v is not None}


def boto3_deserialize(attributes: dict[str, Any]) -> dict[str, Any]:
    """The reference: boto3's TypeDeserializer, whole numbers as int."""
    return {k: _from_dynamo_value(TypeDeserializer().deserialize(v)) for k, v in attributes.items()}


class Status(StrEnum):
    PENDING = "pending"


class Level(IntEnum):
    HIGH = 3


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.text(max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
    st.sampled_from([Status.PENDING, Level.HIGH, b"raw", {"a", "b"}, {1, 2}, ("t", 1)]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), values, max_size=6))
def test_any_item_serializes_as_boto3_serializes_it(item: dict[str, Any]) -> None:
    # Given any item of the value types the stores write
    # Then the fast serializer gives boto3's attribute values, and reading them back gives boto3's reading
    attributes = serialize(item)
    assert attributes == boto3_serialize(item)
    assert deserialize(attributes) == boto3_deserialize(attributes)


@pytest.mark.parametrize(
    "attribute",
    [
        {"N": "0012"},
        {"N": "-0"},
        {"N": "1.0"},
        {"N": "1.50"},
        {"N": "1E+2"},
        {"N": "-17"},
        {"N": "9" * 38},
        {"NS": ["1", "2.5"]},
        {"SS": ["a"]},
        {"B": b"x"},
        {"NULL": True},
        {"BOOL": False},
        {"L": [{"N": "3"}, {"S": "x"}, {"NULL": True}]},
        {"M": {"a": {"N": "2.0"}, "b": {"M": {"c": {"S": ""}}}}},
    ],
)
def test_stored_numbers_and_types_read_back_as_boto3_reads_them(attribute: dict[str, Any]) -> None:
    # Given an attribute value as DynamoDB returns it
    # Then it reads as boto3 (whole numbers as int) reads it, and with the same Python type
    ours, reference = deserialize({"v": attribute})["v"], boto3_deserialize({"v": attribute})["v"]
    assert ours == reference and type(ours) is type(reference)


def test_floats_and_numbers_beyond_dynamodb_precision_are_still_refused() -> None:
    # Given values DynamoDB cannot store exactly
    # Then serialising refuses them as before (a float is never stored; 39 digits overflow the precision)
    with pytest.raises(TypeError):
        serialize({"amount": 1.5})
    with pytest.raises(TypeError):
        serialize({"nested": {"amount": 0.1}})
    with pytest.raises(Exception):  # noqa: B017 - boto3 raises decimal.Inexact/Rounded
        serialize({"big": 10**39})
    assert serialize({"binary": Binary(b"x")}) == {"binary": {"B": Binary(b"x")}}
    assert serialize({"d": Decimal("2.50")}) == {"d": {"N": "2.50"}}
