"""Destination safety: only http(s) URLs on allowed domains."""

from __future__ import annotations

import pytest

from shared.urls import safe_destination

ALLOWED = ["acme.example"]


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.example/pricing",
        "https://www.acme.example/a?b=c#d",
        "http://acme.example",
        "https://ACME.example/",
    ],
)
def test_allowed_destinations_pass(url: str) -> None:
    assert safe_destination(url, ALLOWED) == url


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example",
        "https://acme.example.evil.example/",
        "https://evilacme.example/",
        "javascript:alert(1)",
        "https://acme.example@evil.example/",
        "https://user:pw@acme.example/",
        "https:\\\\evil.example",
        "https://evil.example\\@acme.example",
        "https://evil.example%5c@acme.example",
        "/relative/path",
        "ftp://acme.example/",
        "https://acme.example:8443/",
        "https://acme.example\n.evil.example",
        "",
    ],
)
def test_unsafe_destinations_are_refused(url: str) -> None:
    assert safe_destination(url, ALLOWED) is None
