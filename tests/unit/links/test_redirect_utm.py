"""UTM tags on a shared URL (the portal's per-channel share buttons) reach the company's site."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from shared.links.redirect import Visit, merged_utm, with_referral_params


def _visit(query: str) -> Visit:
    return Visit.from_event(
        {
            "rawQueryString": query,
            "pathParameters": {"code": "demo"},
            "requestContext": {"http": {"method": "GET", "sourceIp": "203.0.113.1"}},
            "headers": {"user-agent": "Mozilla/5.0"},
        }
    )


def test_the_shared_urls_utm_tags_override_the_links_own() -> None:
    visit = _visit("utm_source=linkedin&utm_medium=partner&utm_campaign=referral&to=/pricing&gclid=x")
    assert visit.deep_link == "/pricing"
    assert dict(visit.utm) == {"utm_source": "linkedin", "utm_medium": "partner", "utm_campaign": "referral"}
    utm = merged_utm((("utm_medium", "referral"), ("utm_source", "partner")), visit.utm)
    location = with_referral_params("https://www.example.com/pricing", "demo", "tok", utm)
    query = parse_qs(urlsplit(location).query)
    assert query["utm_source"] == ["linkedin"] and query["utm_medium"] == ["partner"]
    assert query["ref"] == ["demo"] and query["click_id"] == ["tok"]


def test_only_utm_tags_pass_and_the_destinations_own_still_win() -> None:
    visit = _visit("utm_source=x&ref=someone-else&click_id=forged&utm_term=" + "a" * 101)
    assert dict(visit.utm) == {"utm_source": "x"}
    location = with_referral_params("https://www.example.com/?utm_source=site", "demo", None, merged_utm((), visit.utm))
    query = parse_qs(urlsplit(location).query)
    assert query["utm_source"] == ["site"] and query["ref"] == ["demo"] and "click_id" not in query


def test_without_tags_on_the_url_the_links_own_are_used_unchanged() -> None:
    link_utm = (("utm_source", "partner"),)
    assert merged_utm(link_utm, _visit("").utm) is link_utm
