"""Destination safety: only http(s) URLs on allowed domains."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.urls import safe_destination

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
        "https://evil.example%2f.acme.example/",  # a browser percent-decodes the host
        "https://evil.example%2F@acme.example/",
        "https://evil.example\u2100.acme.example/",  # NFKC turns U+2100 into "a/c"
        "https://evil\uff0eexample/",
        "https://acme.example%00.evil.example/",
        " https://acme.example/",
        "https://acme.example /",
        "https:///evil.example",
        "http:evil.example",
        "JAVASCRIPT:alert(1)",
        "https://[::1]/",
        "",
    ],
)
def test_unsafe_destinations_are_refused(url: str) -> None:
    assert safe_destination(url, ALLOWED) is None


def test_a_fully_qualified_host_with_a_trailing_dot_is_the_same_host() -> None:
    # Given the allowed domain written as an absolute DNS name (DNS resolves "acme.example." as "acme.example")
    # Then it is accepted like the relative name, and a trailing dot never turns another host into an allowed one
    assert safe_destination("https://acme.example./pricing", ALLOWED) == "https://acme.example./pricing"
    assert safe_destination("https://www.acme.example./", ALLOWED) == "https://www.acme.example./"
    assert safe_destination("https://evil.example./", ALLOWED) is None
    assert safe_destination("https://acme.example.evil.example./", ALLOWED) is None
    assert safe_destination("https://acme.example../", ALLOWED) is None


# Adversarial alphabet: the characters URL parsers and browsers disagree about.
_url_piece = st.sampled_from(
    [
        "https://",
        "http://",
        "//",
        "/",
        "\\",
        "@",
        ":",
        ".",
        "%2f",
        "%2e",
        "%40",
        "%5c",
        "#",
        "?",
        "acme.example",
        "evil.example",
        "www.",
        "\u2100",
        "\uff0e",
        "\u3002",
        " ",
        "\t",
        "javascript:",
        "443",
        "user",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_url_piece, min_size=1, max_size=8).map("".join))
def test_whatever_is_accepted_resolves_to_an_allowed_host(candidate: str) -> None:
    # Whatever string is thrown at it, an accepted URL's host, as a browser would read it, is an allowed one
    accepted = safe_destination(candidate, ALLOWED)
    if accepted is not None:
        host = (urlsplit(accepted).hostname or "").removesuffix(".")  # a fully qualified name: same host
        assert host == "acme.example" or host.endswith(".acme.example")
        assert host.isascii() and "%" not in host and "\\" not in accepted
