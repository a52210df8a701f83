"""Bots and link-preview fetchers are redirected but never counted."""

from __future__ import annotations

import pytest

from shared.links.click_rules import CLICK_SHARDS, is_bot, shard_of, utc_day, visitor_hash, visitor_salt

BOTS = [
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0)",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
    "",
]
HUMANS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "[LinkedInApp]/9.29",
    "Mozilla/5.0 (Linux; Android 13; CUBOT X70) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
]


@pytest.mark.parametrize("user_agent", BOTS)
def test_known_bots_and_fetchers_are_not_counted(user_agent: str) -> None:
    assert is_bot(user_agent)


@pytest.mark.parametrize("user_agent", HUMANS)
def test_browsers_and_in_app_browsers_are_counted(user_agent: str) -> None:
    assert not is_bot(user_agent)


def test_head_requests_are_not_counted() -> None:
    assert is_bot(HUMANS[0], method="HEAD")


def test_the_same_visitor_on_the_same_day_has_the_same_hash_and_shard() -> None:
    salt = visitor_salt("secret")
    first = visitor_hash(salt, "2026-11-02", "198.51.100.7", HUMANS[0])
    again = visitor_hash(salt, "2026-11-02", "198.51.100.7", HUMANS[0])
    assert first == again and shard_of(first) == shard_of(again)
    assert visitor_hash(salt, "2026-11-03", "198.51.100.7", HUMANS[0]) != first  # no tracking across days
    assert visitor_hash(salt, "2026-11-02", "198.51.100.8", HUMANS[0]) != first
    assert visitor_hash(visitor_salt("other"), "2026-11-02", "198.51.100.7", HUMANS[0]) != first
    assert "198.51.100.7" not in first and len(first) == 32


def test_visitors_spread_over_every_shard() -> None:
    salt = visitor_salt("secret")
    shards = {shard_of(visitor_hash(salt, "2026-11-02", f"10.0.{i // 256}.{i % 256}", "ua")) for i in range(2000)}
    assert shards == set(range(CLICK_SHARDS))


def test_utc_day() -> None:
    assert utc_day(1_793_613_600) == "2026-11-02"
    assert utc_day(1_793_663_999) == "2026-11-02"
    assert utc_day(1_793_664_000) == "2026-11-03"
