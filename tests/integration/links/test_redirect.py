"""GET /r/{code} against DynamoDB Local: redirects, click tokens, counting, bots, pauses, sharded counts."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from devstack.lambda_runtime import LocalLambdas
from functions.redirect import app as redirect_app
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.core.dynamo import Table
from shared.links import click_token
from shared.links.click_store import ClickRepository
from shared.links.redirect import Redirector
from tests.helpers.api import ApiClient, ApiResponse
from tests.helpers.factories import ADMIN, given_api_key, given_link, given_partner, given_program, partner_headers

SECRET = "test-click-token-secret"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
DAY = "2026-11-02"


@pytest.fixture
def redirector(ctx: AppContext, clock: FixedClock) -> Iterator[Redirector]:
    """The redirect function pointed at this test's table and clock (a fresh, cold container)."""
    instance = Redirector(ClickRepository(ctx.table), "default", lambda: SECRET, clock=lambda: clock.now().timestamp())
    redirect_app.set_redirector(instance)
    yield instance
    redirect_app.set_redirector(None)


@pytest.fixture
def link(api: ApiClient, redirector: Redirector) -> dict[str, Any]:
    """Partner Ada's link `ada-2026` to the pricing page, with UTM tags."""
    given_program(api)
    partner = given_partner(api)
    return given_link(
        api,
        partner["partner_id"],
        code="ada-2026",
        destination="https://www.acme.example/pricing",
        utm={"utm_source": "partner", "utm_medium": "referral"},
    )


def click(
    api: ApiClient, code: str = "ada-2026", ip: str = "198.51.100.1", ua: str = BROWSER, **kwargs: Any
) -> ApiResponse:
    """A visitor's browser following the link."""
    headers = {"user-agent": ua, **kwargs.pop("headers", {})}
    return api.get(f"/r/{code}", headers=headers, source_ip=ip, **kwargs)


def stored_counts(table: Table, code: str = "ada-2026") -> tuple[int, int]:
    day = ClickRepository(table).daily_counts(code, DAY, DAY).get(DAY)
    return (day.clicks, day.unique_visitors) if day else (0, 0)


def test_a_click_redirects_with_ref_click_id_and_utm(api: ApiClient, link: dict[str, Any], clock: FixedClock) -> None:
    # When a visitor clicks the link
    response = click(api)
    # Then a 302 that no cache keeps, to the destination with the referral parameters
    assert response.status == 302
    assert response.headers["cache-control"] == "no-store"
    location = urlsplit(response.headers["location"])
    assert (location.netloc, location.path) == ("www.acme.example", "/pricing")
    query = parse_qs(location.query)
    assert query["ref"] == ["ada-2026"]
    assert (query["utm_source"], query["utm_medium"]) == (["partner"], ["referral"])
    # And the click id is a signed token the leads and webhook functions verify without a database read
    claim = click_token.verify(query["click_id"][0], [SECRET], now=int(clock.now().timestamp()), max_age_seconds=60)
    assert (claim.link_code, claim.partner_id) == ("ada-2026", link["partner_id"])
    assert "set-cookie" not in response.headers  # the program set no cookie domain


def test_head_requests_redirect_without_counting(api: ApiClient, link: dict[str, Any], table: Table) -> None:
    response = api.request("HEAD", "/r/ada-2026", headers={"user-agent": BROWSER})
    assert response.status == 302 and response.body == b""
    assert "click_id" not in response.headers["location"]
    assert stored_counts(table) == (0, 0)


@pytest.mark.parametrize(
    "user_agent",
    [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1",
        "Twitterbot/1.0",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0)",
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "curl/8.4.0",
    ],
)
def test_bots_are_redirected_but_cause_no_write(
    api: ApiClient, link: dict[str, Any], table: Table, redirector: Redirector, user_agent: str
) -> None:
    # Given a warm container
    click(api, ua=BROWSER)
    writes_before = table.request_count
    # When a link-preview fetcher or crawler fetches the link
    response = click(api, ua=user_agent)
    # Then it is redirected with the ref code, gets no click id, and nothing was written
    assert response.status == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["ref"] == ["ada-2026"] and "click_id" not in query
    assert table.request_count == writes_before
    assert stored_counts(table) == (1, 1)


def test_the_same_visitor_counts_every_click_but_once_as_unique(
    api: ApiClient, link: dict[str, Any], table: Table
) -> None:
    # When one visitor clicks three times and another once
    for _ in range(3):
        click(api, ip="198.51.100.1")
    click(api, ip="198.51.100.2")
    click(api, ip="198.51.100.1", ua=BROWSER + " other")  # another browser on the same IP is another visitor
    # Then five clicks by three unique visitors
    assert stored_counts(table) == (5, 3)
    # And the raw IP is stored nowhere
    raw = str(table.client.scan(TableName=table.name)["Items"])
    assert "198.51.100" not in raw


def test_paused_expired_and_unknown_links_go_to_the_fallback(
    api: ApiClient, link: dict[str, Any], table: Table, redirector: Redirector
) -> None:
    fallback = "https://www.acme.example/partners"
    assert click(api).status == 302
    # When the admin pauses the link
    paused = api.request("PATCH", "/admin/links/ada-2026", json_body={"status": "paused"}, headers=ADMIN)
    assert (paused.status, paused.json["status"]) == (200, "paused")
    redirector.links.clear()  # the warm cache would see it within CACHE_SECONDS; a new container at once
    # Then clicks go to the program's fallback and are not counted
    response = click(api)
    assert (response.status, response.headers["location"]) == (302, fallback)
    assert stored_counts(table) == (1, 1)
    # When it is resumed, it works again; once expired, it cannot be resumed
    assert api.request("PATCH", "/admin/links/ada-2026", json_body={"status": "active"}, headers=ADMIN).status == 200
    redirector.links.clear()
    assert click(api).headers["location"].startswith("https://www.acme.example/pricing?")
    assert api.request("PATCH", "/admin/links/ada-2026", json_body={"status": "expired"}, headers=ADMIN).status == 200
    again = api.request("PATCH", "/admin/links/ada-2026", json_body={"status": "active"}, headers=ADMIN)
    assert (again.status, again.error_code) == (409, "link_expired")
    redirector.links.clear()
    assert click(api).headers["location"] == fallback
    # And unknown codes go to the fallback too, never a 500
    assert click(api, code="no-such-code").headers["location"] == fallback
    missing = api.request("PATCH", "/admin/links/no-such-code", json_body={"status": "paused"}, headers=ADMIN)
    assert (missing.status, missing.error_code) == (404, "link_not_found")
    bad = api.request("PATCH", "/admin/links/ada-2026", json_body={"status": "deleted"}, headers=ADMIN)
    assert bad.status == 422


def test_a_link_past_its_expiry_goes_to_the_fallback(api: ApiClient, redirector: Redirector) -> None:
    given_program(api)
    partner = given_partner(api)
    given_link(api, partner["partner_id"], code="black-friday", expires_at="2026-11-01T00:00:00Z")
    assert click(api, code="black-friday").headers["location"] == "https://www.acme.example/partners"


@pytest.mark.parametrize(
    "deep_link",
    [
        "//evil.example",
        "https://acme.example.evil.example/",
        "javascript:alert(1)",
        "https://www.acme.example@evil.example/",
        "/\\evil.example",
        "https:%2F%2Fevil.example",
        "https://evil.example%2f.acme.example/",
    ],
)
def test_a_deep_link_cannot_leave_the_allowed_domains(api: ApiClient, link: dict[str, Any], deep_link: str) -> None:
    response = click(api, query={"to": deep_link})
    location = urlsplit(response.headers["location"])
    assert (response.status, location.netloc, location.path) == (302, "www.acme.example", "/pricing")


def test_a_deep_link_within_the_allowed_domains_is_followed(api: ApiClient, link: dict[str, Any]) -> None:
    response = click(api, query={"to": "/blog/launch"})
    assert response.headers["location"].startswith("https://www.acme.example/blog/launch?ref=ada-2026&click_id=c1_")


def test_cookie_is_set_when_the_redirect_and_the_site_share_a_parent_domain(
    api: ApiClient, link: dict[str, Any]
) -> None:
    given_program(api, cookie_domain="acme.example", attribution_window_days=60)
    response = click(api, headers={"host": "go.acme.example"})
    cookie = response.headers["set-cookie"]
    token = parse_qs(urlsplit(response.headers["location"]).query)["click_id"][0]
    assert cookie == f"rp_click={token}; Domain=acme.example; Path=/; Max-Age=5184000; Secure; SameSite=Lax"


def test_a_cookie_domain_outside_the_allowed_domains_is_refused(api: ApiClient, redirector: Redirector) -> None:
    response = api.put(
        "/admin/program",
        json={
            "name": "Acme",
            "allowed_destination_domains": ["acme.example"],
            "landing_url": "https://www.acme.example/",
            "fallback_url": "https://www.acme.example/partners",
            "cookie_domain": "evil.example",
        },
        headers=ADMIN,
    )
    assert (response.status, response.error_code) == (400, "cookie_domain_not_allowed")


def test_concurrent_clicks_are_counted_exactly_across_shards(link: dict[str, Any], table: Table) -> None:
    # Given 8 browsers clicking at once, 250 clicks each, from 400 distinct visitors
    lambdas = LocalLambdas()
    handler = lambdas.handler("redirect")

    def clicks_of(worker: int) -> int:
        redirected = 0
        for n in range(250):
            visitor = (worker * 250 + n) % 400
            response = handler(_event("ada-2026", f"10.1.{visitor // 200}.{visitor % 200}"), None)
            redirected += response["statusCode"] == 302
        return redirected

    with ThreadPoolExecutor(max_workers=8) as pool:
        redirected = sum(pool.map(clicks_of, range(8)))
    # Then every click was redirected and counted exactly once, spread over every counter shard
    assert redirected == 2000
    assert stored_counts(table) == (2000, 400)
    shards = {
        item["pk"]["S"]
        for item in table.client.scan(TableName=table.name)["Items"]
        if item["pk"]["S"].startswith("LINK#ada-2026#CLICKS#")
    }
    assert shards == {keys.link_clicks_shard_partition("ada-2026", s) for s in range(16)}


def _event(code: str, ip: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "GET /r/{code}",
        "rawPath": f"/r/{code}",
        "rawQueryString": "",
        "headers": {"user-agent": BROWSER, "host": "api.test"},
        "requestContext": {"http": {"method": "GET", "path": f"/r/{code}", "sourceIp": ip, "userAgent": BROWSER}},
        "pathParameters": {"code": code},
    }


def test_clicks_per_day_through_admin_and_partner_routes(
    api: ApiClient, link: dict[str, Any], clock: FixedClock
) -> None:
    # Given clicks on two days
    click(api, ip="198.51.100.1")
    click(api, ip="198.51.100.1")
    clock.advance(days=1)
    click(api, ip="198.51.100.2")
    # When the admin reads the clicks of the two days
    admin = api.get("/admin/links/ada-2026/clicks", headers=ADMIN, query={"from": "2026-11-02", "to": "2026-11-03"})
    # Then per day clicks and unique visitors, bots excluded
    assert admin.status == 200, admin.body
    assert admin.json == {
        "code": "ada-2026",
        "from": "2026-11-02",
        "to": "2026-11-03",
        "clicks": 3,
        "unique_visitors": 2,
        "days": [
            {"day": "2026-11-02", "clicks": 2, "unique_visitors": 1},
            {"day": "2026-11-03", "clicks": 1, "unique_visitors": 1},
        ],
    }
    # And the partner reads the same through its own route, with its share URL listed
    headers = partner_headers(given_api_key(api, link["partner_id"]))
    mine = api.get("/partner/links/ada-2026/clicks", headers=headers, query={"from": "2026-11-02", "to": "2026-11-03"})
    assert mine.json == admin.json
    listed = api.get("/partner/links", headers=headers).json["items"]
    assert [(item["code"], item["share_url"]) for item in listed] == [("ada-2026", "https://api.test/r/ada-2026")]


def test_a_partner_cannot_read_another_partners_clicks(api: ApiClient, link: dict[str, Any]) -> None:
    # Given another partner with its own API key
    other = given_partner(api, email="mallory@partner.example")
    headers = partner_headers(given_api_key(api, other["partner_id"]))
    # When it asks for Ada's link clicks
    response = api.get("/partner/links/ada-2026/clicks", headers=headers)
    # Then the link does not exist, for it (the same answer as a missing link)
    assert (response.status, response.error_code) == (404, "link_not_found")
    assert api.get("/partner/links", headers=headers).json == {"items": []}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"from": "2026-11-05", "to": "2026-11-01"}, 400, "invalid_date_range"),
        ({"from": "2026-01-01", "to": "2026-11-01"}, 400, "date_range_too_long"),
        ({"from": "yesterday"}, 422, "validation_error"),
        ({"from": "2026-02-30"}, 400, "invalid_date"),
    ],
)
def test_bad_click_ranges_are_4xx(
    api: ApiClient, link: dict[str, Any], query: dict[str, str], status: int, code: str
) -> None:
    response = api.get("/admin/links/ada-2026/clicks", headers=ADMIN, query=query)
    assert (response.status, response.error_code) == (status, code)
