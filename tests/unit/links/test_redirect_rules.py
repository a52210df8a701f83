"""The redirect's pure rules: where a click may go, what it carries, and failing open. No database."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.links import click_token
from shared.links.redirect import (
    LinkView,
    ProgramView,
    Redirector,
    TtlCache,
    Visit,
    choose_destination,
    click_cookie,
    with_referral_params,
)

NOW = 1_793_613_600.0  # 2026-11-02T10:00:00Z
PROGRAM = ProgramView(
    allowed_domains=("acme.example",),
    landing_url="https://www.acme.example/",
    fallback_url="https://www.acme.example/partners",
    attribution_window_days=90,
    cookie_domain=None,
)
LINK = LinkView(
    code="ada-2026",
    partner_id="ptr_ada",
    status="active",
    destination="https://www.acme.example/pricing",
    utm=(("utm_medium", "referral"), ("utm_source", "partner")),
    expires_at=None,
)
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"


@pytest.mark.parametrize(
    "deep_link",
    [
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "https://evil.example/",
        "https://acme.example.evil.example/",
        "https://www.acme.example@evil.example/",
        "https://evil.example%2f.acme.example/",
        "https://evil.example\\@www.acme.example/",
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "/%5cevil.example",
        "/\tevil",
        "https:/\\evil.example",
        "evil.example",
    ],
)
def test_a_deep_link_outside_the_allowed_domains_is_ignored(deep_link: str) -> None:
    # When a visitor adds ?to=<attack> to a referral link
    # Then the link's own destination is used, never the attacker's
    assert choose_destination(LINK, PROGRAM, deep_link) == "https://www.acme.example/pricing"


@pytest.mark.parametrize(
    ("deep_link", "expected"),
    [
        ("/blog/launch?x=1#top", "https://www.acme.example/blog/launch?x=1#top"),
        ("https://docs.acme.example/start", "https://docs.acme.example/start"),
    ],
)
def test_a_deep_link_within_the_allowed_domains_is_followed(deep_link: str, expected: str) -> None:
    assert choose_destination(LINK, PROGRAM, deep_link) == expected


def test_a_link_without_destination_goes_to_the_landing_page() -> None:
    link = LinkView("gen", "ptr_ada", "active", None, (), None)
    assert choose_destination(link, PROGRAM, None) == "https://www.acme.example/"


def test_a_stored_destination_no_longer_allowed_falls_back_to_the_landing_page() -> None:
    # Given the program removed the domain a link pointed to
    link = LinkView("old", "ptr_ada", "active", "https://old-brand.example/", (), None)
    assert choose_destination(link, PROGRAM, None) == "https://www.acme.example/"


def test_referral_params_are_added_without_clobbering_the_destinations_utm() -> None:
    url = with_referral_params(
        "https://www.acme.example/p?utm_source=newsletter&ref=someone-else&click_id=forged&a=1#f",
        "ada-2026",
        "c1_token",
        LINK.utm,
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert query == {
        "utm_source": ["newsletter"],  # the site's own tag wins
        "a": ["1"],
        "ref": ["ada-2026"],  # ours always win: nobody smuggles in another partner's ref or click id
        "click_id": ["c1_token"],
        "utm_medium": ["referral"],
    }
    assert parts.fragment == "f"


def test_link_liveness_follows_status_and_expiry() -> None:
    assert LINK.is_live(NOW)
    assert not LinkView("p", "x", "paused", None, (), None).is_live(NOW)
    assert not LinkView("e", "x", "expired", None, (), None).is_live(NOW)
    assert not LinkView("t", "x", "active", None, (), NOW - 1).is_live(NOW)
    assert LinkView("t", "x", "active", None, (), NOW + 60).is_live(NOW)


def test_cookie_only_when_redirect_and_site_share_the_cookie_domain() -> None:
    program = ProgramView(("acme.example",), "https://www.acme.example/", None, 30, "acme.example")
    cookie = click_cookie("c1_tok", program, "go.acme.example", "https://www.acme.example/pricing")
    assert cookie == "rp_click=c1_tok; Domain=acme.example; Path=/; Max-Age=2592000; Secure; SameSite=Lax"
    assert (
        click_cookie("c1_tok", program, "abc.execute-api.us-east-1.amazonaws.com", "https://www.acme.example/") is None
    )
    assert click_cookie("c1_tok", PROGRAM, "go.acme.example", "https://www.acme.example/") is None


def test_cache_expires_entries_but_keeps_them_for_stale_reads_and_stays_bounded() -> None:
    cache: TtlCache[int] = TtlCache(seconds=30, max_entries=4)
    cache.put("a", 1, now=0)
    assert cache.get("a", now=29) == (True, 1)
    assert cache.get("a", now=31) == (False, None)
    assert cache.get("a", now=31, stale=True) == (True, 1)
    for key in "bcdef":
        cache.put(key, 0, now=1)
    assert len(cache._entries) <= 4


# ---------------------------------------------------------------- the Redirector with a fake store
class FakeStore:
    """The ClickRepository surface the Redirector uses, with switches to fail."""

    def __init__(self, link: dict[str, Any] | None, program: dict[str, Any] | None) -> None:
        self.link, self.program = link, program
        self.reads = 0
        self.writes: list[tuple[Any, ...]] = []
        self.fail_reads = False
        self.fail_writes = False

    def link_item(self, code: str) -> dict[str, Any] | None:
        self.reads += 1
        if self.fail_reads:
            raise ConnectionError("dynamodb unreachable")
        return self.link if self.link and self.link["code"] == code else None

    def program_item(self, program_id: str) -> dict[str, Any] | None:
        self.reads += 1
        if self.fail_reads:
            raise ConnectionError("dynamodb unreachable")
        return self.program

    def record_click(self, *args: Any) -> None:
        if self.fail_writes:
            raise ConnectionError("dynamodb unreachable")
        self.writes.append(args)


PROGRAM_ITEM = {
    "allowed_destination_domains": ["acme.example"],
    "landing_url": "https://www.acme.example/",
    "fallback_url": "https://www.acme.example/partners",
    "attribution_window_days": 90,
}
LINK_ITEM = {"code": "ada-2026", "partner_id": "ptr_ada", "status": "active", "utm": {"utm_source": "partner"}}


def visit(code: str = "ada-2026", **overrides: Any) -> Visit:
    fields = {"code": code, "method": "GET", "source_ip": "198.51.100.1", "user_agent": BROWSER, "host": None}
    return Visit(**{**fields, "deep_link": None, **overrides})


def make(store: FakeStore, now: float = NOW) -> Redirector:
    return Redirector(store, "default", lambda: "secret", clock=lambda: now)  # type: ignore[arg-type]


def test_a_warm_click_reads_nothing_and_writes_once() -> None:
    # Given a redirector that has already seen the link
    store = FakeStore(LINK_ITEM, PROGRAM_ITEM)
    redirector = make(store)
    redirector.answer(visit())
    reads_before = store.reads
    # When the next visitor clicks
    answer = redirector.answer(visit(source_ip="198.51.100.2"))
    # Then no read was needed, one counter write was made, and the token verifies
    assert store.reads == reads_before
    assert len(store.writes) == 2
    query = parse_qs(urlsplit(answer.location or "").query)
    claim = click_token.verify(query["click_id"][0], ["secret"], now=int(NOW), max_age_seconds=60)
    assert (claim.link_code, claim.partner_id, claim.clicked_at) == ("ada-2026", "ptr_ada", int(NOW))


def test_a_click_is_redirected_even_when_the_counter_write_fails() -> None:
    store = FakeStore(LINK_ITEM, PROGRAM_ITEM)
    store.fail_writes = True
    answer = make(store).answer(visit())
    assert answer.status == 302 and "click_id=c1_" in (answer.location or "")


def test_when_dynamodb_is_down_a_cold_container_answers_503_and_a_warm_one_serves_stale() -> None:
    store = FakeStore(LINK_ITEM, PROGRAM_ITEM)
    store.fail_reads = True
    assert make(store).answer(visit()).to_response()["statusCode"] == 503
    # Given a container that read the link and program a minute ago
    store.fail_reads = False
    clock = [NOW]
    redirector = Redirector(store, "default", lambda: "secret", clock=lambda: clock[0])  # type: ignore[arg-type]
    redirector.answer(visit())
    store.fail_reads = True
    clock[0] += 60
    # Then the visitor still gets the destination
    answer = redirector.answer(visit())
    assert answer.status == 302 and (answer.location or "").startswith("https://www.acme.example/?")


def test_unknown_and_malformed_codes_go_to_the_fallback() -> None:
    store = FakeStore(LINK_ITEM, PROGRAM_ITEM)
    redirector = make(store)
    for code in ("nope", "../../etc", "", "x" * 300):
        response = redirector.answer(visit(code)).to_response()
        assert response["statusCode"] == 302
        assert response["headers"]["Location"] == "https://www.acme.example/partners"
        assert response["headers"]["Cache-Control"] == "no-store"
    assert store.writes == []


def test_a_missing_click_secret_still_redirects_without_a_click_id() -> None:
    store = FakeStore(LINK_ITEM, PROGRAM_ITEM)
    redirector = Redirector(store, "default", lambda: None, clock=lambda: NOW)  # type: ignore[arg-type]
    answer = redirector.answer(visit())
    assert answer.status == 302 and "click_id" not in (answer.location or "") and store.writes == []


def test_redirect_module_imports_neither_pydantic_nor_stripe_nor_powertools() -> None:
    # When the redirect function is imported in a fresh interpreter, as Lambda does at cold start
    code = (
        "import sys, functions.redirect.app\n"
        "heavy = [m for m in ('pydantic', 'stripe', 'aws_lambda_powertools') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    # Then none of the heavy packages came with it
    assert result.stdout.strip() == ""


def test_the_sample_events_answer_as_documented() -> None:
    # Given the sample events under events/ and a link `demo`
    root = pathlib.Path(__file__).resolve().parents[3] / "events"
    store = FakeStore({**LINK_ITEM, "code": "demo"}, PROGRAM_ITEM)
    answers = {
        path.stem: make(store).answer(Visit.from_event(json.loads(path.read_text())))
        for path in sorted(root.glob("redirect_*.json"))
    }
    # Then a browser gets a click id, the deep link is followed, the attack is not, bots and HEAD are not counted
    assert "click_id=c1_" in (answers["redirect_click"].location or "")
    assert (answers["redirect_deep_link"].location or "").startswith("https://www.acme.example/pricing?ref=demo")
    assert (answers["redirect_open_redirect_attempt"].location or "").startswith("https://www.acme.example/?ref=demo")
    assert "click_id" not in (answers["redirect_bot"].location or "")
    assert "click_id" not in (answers["redirect_head"].location or "")
    assert len(store.writes) == 3


def test_the_hot_path_code_pattern_matches_the_models() -> None:
    # The redirect cannot import the pydantic model, so it repeats the pattern: keep them equal
    from shared.links import redirect
    from shared.links.models import LINK_CODE_PATTERN

    assert redirect._CODE.pattern == LINK_CODE_PATTERN


def test_an_unreachable_secret_is_retried_after_a_pause_not_on_every_click() -> None:
    # Given Secrets Manager failing on the first attempt
    calls = []
    clock = [NOW]

    def secret() -> str:
        calls.append(clock[0])
        if len(calls) == 1:
            raise ConnectionError("secretsmanager unreachable")
        return "secret"

    store = FakeStore(LINK_ITEM, PROGRAM_ITEM)
    redirector = Redirector(store, "default", secret, clock=lambda: clock[0])  # type: ignore[arg-type]
    # When visitors click during the next 30 seconds
    first = [redirector.answer(visit()) for _ in range(3)]
    # Then they are redirected without a click id and the secret was asked for once
    assert all(a.status == 302 and "click_id" not in (a.location or "") for a in first)
    assert len(calls) == 1
    # And after the pause the secret is fetched again and clicks carry click ids
    clock[0] += 31
    assert "click_id=c1_" in (redirector.answer(visit()).location or "")
    assert len(calls) == 2
