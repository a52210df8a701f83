"""Click token boundaries and refusals, pinned one by one (the mutation run of `make mutation`)."""

from __future__ import annotations

import re

import pytest

from shared.links import click_token
from shared.links.click_token import InvalidClickToken, issue, verify

SECRET = "s3cret"
NOW = 1_800_000_000


def test_a_token_is_refused_for_what_is_wrong_with_it() -> None:
    good = issue(SECRET, "demo", "ptr_1", NOW, "abcd1234")
    cases = {
        "not a click token": ["x1_abc", "c1_", "c1_" + "A" * 300],
        "click token signature does not match": [good[:-1] + ("A" if good[-1] != "A" else "B")],
    }
    for message, tokens in cases.items():
        for token in tokens:
            with pytest.raises(InvalidClickToken, match=f"^{re.escape(message)}$"):
                verify(token, [SECRET], NOW, 60)
    with pytest.raises(InvalidClickToken, match=r"^click token signature does not match$"):
        verify(good, ["other", ""], NOW, 60)
    with pytest.raises(InvalidClickToken, match=r"^not a click token$"):
        verify(123, [SECRET], NOW, 60)  # type: ignore[arg-type]


def test_clock_skew_and_age_limits_are_inclusive() -> None:
    # Five minutes of skew are allowed, not a second more; a token exactly max_age old still counts
    assert verify(issue(SECRET, "demo", "ptr_1", NOW + 300), [SECRET], NOW, 60).clicked_at == NOW + 300
    with pytest.raises(InvalidClickToken, match=r"^click token is from the future$"):
        verify(issue(SECRET, "demo", "ptr_1", NOW + 301), [SECRET], NOW, 60)
    assert verify(issue(SECRET, "demo", "ptr_1", NOW - 60), [SECRET], NOW, 60).clicked_at == NOW - 60
    with pytest.raises(InvalidClickToken, match=r"^click token has expired \(older than the attribution window\)$"):
        verify(issue(SECRET, "demo", "ptr_1", NOW - 61), [SECRET], NOW, 60)


def test_a_token_of_exactly_the_maximum_length_verifies_and_a_longer_one_does_not() -> None:
    # Given a link code that makes the token exactly 200 characters long
    base = issue(SECRET, "x", "ptr_1", NOW, "abcd1234")
    code = "x" * 200
    for size in range(1, 200):
        token = issue(SECRET, "x" * size, "ptr_1", NOW, "abcd1234")
        if len(token) == click_token.MAX_TOKEN_LENGTH:
            code = "x" * size
            break
    token = issue(SECRET, code, "ptr_1", NOW, "abcd1234")
    assert len(base) < len(token) == click_token.MAX_TOKEN_LENGTH
    assert verify(token, [SECRET], NOW, 60).link_code == code
    longer = issue(SECRET, code + "xxx", "ptr_1", NOW, "abcd1234")
    with pytest.raises(InvalidClickToken, match=r"^not a click token$"):
        verify(longer, [SECRET], NOW, 60)


def test_a_malformed_payload_with_a_valid_signature_is_refused() -> None:
    payload = b"only|three|parts"
    token = f"{click_token.PREFIX}{click_token._b64(payload)}{click_token._mac(SECRET, payload)}"
    with pytest.raises(InvalidClickToken, match=r"^click token payload is malformed$"):
        verify(token, [SECRET], NOW, 60)


def test_issue_refuses_empty_or_separator_fields_and_draws_an_eight_hex_nonce() -> None:
    for fields in (("", "ptr_1"), ("de|mo", "ptr_1"), ("demo", ""), ("demo", "p|1")):
        with pytest.raises(ValueError, match=r"^click token fields must be non-empty and free of '\|'$"):
            issue(SECRET, fields[0], fields[1], NOW)
    nonce = verify(issue(SECRET, "démo", "ptr_1", NOW), [SECRET], NOW, 60)
    assert len(nonce.click_nonce) == 8 and int(nonce.click_nonce, 16) >= 0 and nonce.link_code == "démo"
