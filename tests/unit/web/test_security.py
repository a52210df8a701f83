"""Signed cookies, CSRF tokens and the security headers: pure functions, no I/O."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.web import security

KEY = b"k" * 32


def test_a_signed_value_round_trips_and_a_tampered_one_does_not() -> None:
    signed = security.sign(KEY, "session", "abc")
    assert security.unsign(KEY, "session", signed) == "abc"
    assert security.unsign(KEY, "session", signed[:-1] + ("A" if signed[-1] != "A" else "B")) is None
    assert security.unsign(KEY, "session", "abd" + signed[3:]) is None
    assert security.unsign(b"other-key", "session", signed) is None


def test_a_signature_of_one_purpose_never_passes_for_another() -> None:
    # A CSRF seed cookie cannot be replayed as a session cookie
    assert security.unsign(KEY, "portal-session", security.sign(KEY, "csrf-seed", "abc")) is None


@given(st.text(max_size=600))
def test_garbage_never_unsigns(garbage: str) -> None:
    assert security.unsign(KEY, "session", garbage) is None


def test_csrf_tokens_are_bound_to_their_browser() -> None:
    token = security.csrf_token(KEY, "session-1")
    assert security.csrf_valid(KEY, "session-1", token)
    assert not security.csrf_valid(KEY, "session-2", token)
    assert not security.csrf_valid(KEY, "session-1", None)
    assert not security.csrf_valid(KEY, None, token)
    assert not security.csrf_valid(KEY, "session-1", "")


def test_every_page_forbids_framing_inline_scripts_and_sniffing() -> None:
    headers = security.security_headers(secure=True)
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" in headers
    assert "Strict-Transport-Security" not in security.security_headers(secure=False)


def test_new_tokens_are_long_and_distinct() -> None:
    tokens = {security.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)


def test_a_portal_session_cookie_never_opens_the_console() -> None:
    from shared.web.sessions import CONSOLE, PORTAL, session_cookie

    portal_value = session_cookie(KEY, PORTAL, "sid").split("=", 1)[1]
    assert security.unsign(KEY, PORTAL.purpose, portal_value) == "sid"
    assert security.unsign(KEY, CONSOLE.purpose, portal_value) is None
    assert PORTAL.cookie != CONSOLE.cookie
