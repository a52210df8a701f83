"""shared.core.body: every body a caller can send is refused with a 4xx before a parser sees it unbounded."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.body import (
    FORM_MEDIA_TYPE,
    JSON_MEDIA_TYPE,
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    check_request_body,
    json_depth_exceeds,
    parse_json,
)
from shared.core.errors import DomainError


def refusal(method: str, content_type: str | None, body: str | bytes, *accepted: str) -> tuple[int, str] | None:
    try:
        check_request_body(method, content_type, body, accepted or (JSON_MEDIA_TYPE,))
    except DomainError as error:
        return error.status, error.code
    return None


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain", "hello", (415, "unsupported_media_type")),
        ("application/xml", "<a/>", (415, "unsupported_media_type")),
        ("multipart/form-data", "--x", (415, "unsupported_media_type")),
        (None, '{"a": 1}', (415, "unsupported_media_type")),
        ("application/json", "[" * 1000 + "]" * 1000, (400, "json_too_deep")),
        ("application/json", '{"a":' * 1000 + "1" + "}" * 1000, (400, "json_too_deep")),
        ("application/json", '{"n": ' + "9" * 4300 + "}", (400, "number_too_long")),
        ("application/json", '{"n": 1' + "0" * 50 + ".5}", (400, "number_too_long")),
        ("application/json", '{"n": NaN}', (400, "malformed_json")),
        ("application/json", '{"n": ', (400, "malformed_json")),
        ("application/json", b"\xff\xfe", (400, "malformed_body")),
        ("application/json", '{"a": "' + "x" * MAX_BODY_BYTES + '"}', (413, "payload_too_large")),
    ],
)
def test_a_body_no_route_may_read_is_refused_with_a_4xx(content_type: str | None, body: str, expected: tuple) -> None:
    # Given a body of the wrong kind or past a bound / When a route checks it / Then the documented 4xx
    assert refusal("POST", content_type, body) == expected


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"name": "Ada", "amount": 1999, "rate": 0.15, "tags": [[["deep enough"]]]}'),
        ("application/json; charset=utf-8", '{"s": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'),
        ("Application/JSON", "[]"),
    ],
)
def test_ordinary_json_passes(content_type: str, body: str) -> None:
    assert refusal("POST", content_type, body) is None


def test_a_form_post_passes_only_where_the_route_reads_forms() -> None:
    assert refusal("POST", FORM_MEDIA_TYPE, "email=a%40b.example") == (415, "unsupported_media_type")
    assert refusal("POST", FORM_MEDIA_TYPE, "email=a%40b.example", JSON_MEDIA_TYPE, FORM_MEDIA_TYPE) is None


def test_bodies_of_reads_and_empty_bodies_are_not_checked() -> None:
    assert refusal("GET", "text/plain", "hello") is None
    assert refusal("POST", "text/plain", "") is None


def test_depth_counts_brackets_outside_strings_only() -> None:
    inside = json.dumps({"s": "[" * 100 + '\\"' + "{" * 100})
    assert not json_depth_exceeds(inside)
    assert json_depth_exceeds("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert parse_json('{"amount": 1999, "rate": 1.5e2}') == {"amount": 1999, "rate": 150.0}


def _depth_exceeds_walking(text: str, limit: int) -> bool:
    """The reference: the character-by-character walk the regex version replaced."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet='[]{}"\\ a\n', max_size=80), st.integers(min_value=0, max_value=6))
def test_the_depth_check_decides_every_text_as_the_character_walk_does(text: str, limit: int) -> None:
    # Given any text of brackets, quotes, escapes (terminated strings or not) and a depth limit
    # Then the regex-based check and the plain walk agree
    assert json_depth_exceeds(text, limit) is _depth_exceeds_walking(text, limit)
