"""The signed click token: verifiable without a database, refused when tampered with, forged or too old."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.links.attribution import partner_named_by
from shared.links.click_token import MAX_TOKEN_LENGTH, InvalidClickToken, genuine_claim, issue, verify

SECRET = "current-secret"
CLICKED_AT = 1_793_613_600
DAY = 86400


def test_a_genuine_token_verifies_to_its_claim() -> None:
    token = issue(SECRET, "ada-2026", "ptr_ada", CLICKED_AT, click_nonce="n1")
    claim = verify(token, [SECRET], now=CLICKED_AT + DAY, max_age_seconds=90 * DAY)
    assert (claim.link_code, claim.partner_id, claim.clicked_at, claim.click_nonce) == (
        "ada-2026",
        "ptr_ada",
        CLICKED_AT,
        "n1",
    )


def test_an_old_token_no_longer_attributes_but_still_names_its_partner() -> None:
    token = issue(SECRET, "ada-2026", "ptr_ada", CLICKED_AT)
    years_later = CLICKED_AT + 3 * 365 * DAY
    with pytest.raises(InvalidClickToken, match="expired"):
        verify(token, [SECRET], now=years_later, max_age_seconds=90 * DAY)
    assert genuine_claim(token, [SECRET]).partner_id == "ptr_ada"
    with pytest.raises(InvalidClickToken, match="signature"):
        genuine_claim(issue("guessed-secret", "ada-2026", "ptr_mallory", CLICKED_AT), [SECRET])


def test_every_character_changed_is_refused() -> None:
    token = issue(SECRET, "ada-2026", "ptr_ada", CLICKED_AT)
    for index in range(len("c1_"), len(token)):
        replacement = "A" if token[index] != "A" else "B"
        tampered = token[:index] + replacement + token[index + 1 :]
        with pytest.raises(InvalidClickToken):
            verify(tampered, [SECRET], now=CLICKED_AT, max_age_seconds=DAY)


def test_another_partner_cannot_be_swapped_in() -> None:
    genuine = issue(SECRET, "ada-2026", "ptr_ada", CLICKED_AT)
    forged_payload = issue("guessed-secret", "ada-2026", "ptr_mallory", CLICKED_AT)
    with pytest.raises(InvalidClickToken):
        verify(forged_payload, [SECRET], now=CLICKED_AT, max_age_seconds=DAY)
    assert verify(genuine, [SECRET], now=CLICKED_AT, max_age_seconds=DAY).partner_id == "ptr_ada"


def test_an_expired_token_is_refused() -> None:
    token = issue(SECRET, "ada-2026", "ptr_ada", CLICKED_AT)
    assert verify(token, [SECRET], now=CLICKED_AT + 90 * DAY, max_age_seconds=90 * DAY)
    with pytest.raises(InvalidClickToken, match="expired"):
        verify(token, [SECRET], now=CLICKED_AT + 90 * DAY + 1, max_age_seconds=90 * DAY)


def test_a_token_from_the_future_is_refused() -> None:
    token = issue(SECRET, "ada-2026", "ptr_ada", CLICKED_AT + 3600)
    with pytest.raises(InvalidClickToken, match="future"):
        verify(token, [SECRET], now=CLICKED_AT, max_age_seconds=DAY)


def test_a_rotated_secret_keeps_verifying_tokens_issued_before_the_rotation() -> None:
    old_token = issue("old-secret", "ada-2026", "ptr_ada", CLICKED_AT)
    assert verify(old_token, [SECRET, "old-secret"], now=CLICKED_AT, max_age_seconds=DAY).link_code == "ada-2026"
    with pytest.raises(InvalidClickToken):
        verify(old_token, [SECRET], now=CLICKED_AT, max_age_seconds=DAY)


@pytest.mark.parametrize("garbage", ["", "c1_", "c1_!!!!", "x" * 500, "c1_" + "A" * 300, "ref=abc"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidClickToken):
        verify(garbage, [SECRET], now=CLICKED_AT, max_age_seconds=DAY)


code_text = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{2,63}", fullmatch=True)
partner_text = st.from_regex(r"ptr_[0-9a-z]{26}", fullmatch=True)


@given(code=code_text, partner=partner_text, clicked_at=st.integers(0, 4_102_444_800))
def test_tokens_fit_stripe_urls_and_cookies(code: str, partner: str, clicked_at: int) -> None:
    # Stripe Checkout's client_reference_id takes at most 200 characters of [A-Za-z0-9_-]
    token = issue(SECRET, code, partner, clicked_at)
    assert len(token) <= MAX_TOKEN_LENGTH
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert verify(token, [SECRET], now=clicked_at, max_age_seconds=DAY).partner_id == partner


def test_the_partner_a_subscriptions_token_names_is_a_hint_that_never_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLICK_TOKEN_SECRET", SECRET)
    monkeypatch.delenv("CLICK_TOKEN_SECRET_PREVIOUS", raising=False)
    years_old = issue(SECRET, "ada-2026", "ptr_ada", CLICKED_AT - 3 * 365 * DAY)
    assert partner_named_by(years_old) == "ptr_ada"
    assert partner_named_by(issue("guessed-secret", "x", "ptr_mallory", CLICKED_AT)) is None
    assert partner_named_by("not a token") is None
    assert partner_named_by(None) is None
    monkeypatch.delenv("CLICK_TOKEN_SECRET")
    for name in ("CLICK_TOKEN_SECRET_PARAM", "CLICK_TOKEN_SECRET_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    assert partner_named_by(years_old) is None  # no secret configured: no hint, the event goes on
