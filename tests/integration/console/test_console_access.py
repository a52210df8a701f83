"""Who reaches the console: staff through the emailed link; nobody else, on any console URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.console import web as console
from shared.partners.models import Partner
from shared.web.config import web_config
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient, newest_email, newest_sign_in_link

from .conftest import STAFF

SAMPLES = {
    "commission_id": "cm_sample",
    "key_id": "key_sample",
    "partner_id": "ptr_sample",
    "period": "2026-10",
    "currency": "USD",
    "index": "0",
}


def console_routes() -> list[tuple[str, str]]:
    """Every (method, path) the web function answers under /console, whichever slice's router declares it (the
    console's, the reports', the webhooks'...), with a sample id for its path parameters."""
    from functions.web import app as web_function

    web_function.sections.load_all()  # the console's routes load with its first request (shared.core.sections)
    routes = [*web_function.app._static_routes, *web_function.app._dynamic_routes]
    found = {
        (str(route.method).upper(), re.sub(r"<(\w+)>", lambda m: SAMPLES.get(m.group(1), "sample"), route.path))
        for route in routes
        if route.path.startswith("/console")
    }
    return sorted(found)


SIGNED_IN_ROUTES = [
    (m, p) for m, p in console_routes() if p.startswith("/console") and not p.startswith("/console/sign-in")
]


def test_the_route_list_covers_the_console() -> None:
    # The authorization tests below walk this list: it must hold every page and form of the console
    paths = {p for _, p in SIGNED_IN_ROUTES}
    assert {"/console", "/console/partners", "/console/applications", "/console/audit", "/console/invite"} <= paths
    assert ("POST", "/console/applications/ptr_sample/approve") in SIGNED_IN_ROUTES
    assert ("POST", "/console/payouts/ptr_sample/2026-10/USD/mark-paid") in SIGNED_IN_ROUTES
    assert ("POST", "/console/agreement") in SIGNED_IN_ROUTES
    assert {
        ("GET", "/console/review"),
        ("POST", "/console/review/ptr_sample/cm_sample/reject"),
        ("POST", "/console/partners/ptr_sample/adjustments"),
        ("POST", "/console/partners/ptr_sample/payout-method"),
        ("GET", "/console/groups/sample"),
        ("POST", "/console/groups/sample/agreement"),
        ("POST", "/console/groups/sample/resources/0/up"),
        ("GET", "/console/reports"),
        ("GET", "/console/webhooks"),
    } <= set(SIGNED_IN_ROUTES)
    assert len(SIGNED_IN_ROUTES) >= 50
    # Every route of the console's own router is in the list
    own = {(str(m).upper(), str(key[0])) for key in console.router._routes for m in key[1]}
    own = {(m, p) for m, p in own if p.startswith("/console")}  # not /apply: public
    assert {(m, re.sub(r"<(\w+)>", lambda x: SAMPLES.get(x.group(1), "sample"), p)) for m, p in own} <= set(
        console_routes()
    )


@pytest.mark.parametrize(("method", "path"), SIGNED_IN_ROUTES)
def test_no_session_is_sent_to_the_console_sign_in(method: str, path: str, browser: PageClient) -> None:
    browser.get("/console/sign-in")
    response = browser.get(path) if method == "GET" else browser.post(path, {})
    assert response.status == 303
    assert response.headers["location"] == "/console/sign-in"


@pytest.mark.parametrize(("method", "path"), SIGNED_IN_ROUTES)
def test_a_partner_session_never_reaches_a_console_page(
    method: str, path: str, browser: PageClient, ada: Partner, mail_dir: Path
) -> None:
    # Given Ada signed in to the portal
    assert browser.sign_in("ada@partners.example", mail_dir).status == 303
    browser.get("/portal")
    # When her browser opens a console URL (a form with her own CSRF token)
    response = browser.get(path) if method == "GET" else browser.post(path, {"status": "active", "reason": "x"})
    # Then it is sent to the console's sign-in page, and nothing was written
    assert response.status in (303, 403)
    if response.status == 303:
        assert response.headers["location"] == "/console/sign-in"


def test_a_portal_cookie_copied_into_the_console_cookie_opens_nothing(
    browser: PageClient, ada: Partner, mail_dir: Path
) -> None:
    browser.sign_in("ada@partners.example", mail_dir)
    browser.cookies["rp_console_session"] = browser.cookies["rp_session"]
    response = browser.get("/console")
    assert response.status == 303 and response.headers["location"] == "/console/sign-in"


def test_staff_sign_in_through_the_emailed_link(api: ApiClient, mail_dir: Path, program: None) -> None:
    client = PageClient(api)
    # When the staff member asks for a link (typed with capitals)
    client.get("/console/sign-in")
    answer = client.post("/console/sign-in", {"email": "ADMIN@company.example"})
    assert answer.status == 200 and "Check your email" in client.text
    # Then the email holds a console link; opening it only asks to confirm
    assert newest_email(mail_dir)["To"] == STAFF
    link = newest_sign_in_link(mail_dir)
    assert "/console/sign-in/confirm?token=" in link
    client.get(link)
    assert "rp_console_session" not in client.cookies
    done = client.post("/console/sign-in/confirm", {"token": link.rsplit("token=", 1)[1]})
    assert done.status == 303 and done.headers["location"] == "/console"
    overview = client.get("/console")
    assert overview.status == 200 and STAFF in client.text
    # And the same link never signs in twice
    again = PageClient(api)
    again.get(link)
    assert again.last is not None and again.last.status == 410


def test_a_partner_or_unknown_email_gets_the_same_answer_and_no_console_link(
    api: ApiClient, mail_dir: Path, ada: Partner
) -> None:
    client = PageClient(api)
    client.get("/console/sign-in")
    client.post("/console/sign-in", {"email": "ada@partners.example"})
    assert "Check your email" in client.text
    assert not list(mail_dir.glob("*.eml"))


def test_removing_an_email_from_staff_ends_its_session(staff: PageClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert staff.get("/console").status == 200
    # When the email leaves STAFF_EMAILS
    monkeypatch.setenv("STAFF_EMAILS", "other@company.example")
    web_config.cache_clear()
    # Then the next request is sent to sign in, and putting the email back does not revive that session
    assert staff.get("/console").status == 303
    monkeypatch.setenv("STAFF_EMAILS", STAFF)
    web_config.cache_clear()
    assert staff.get("/console").status == 303


def test_a_console_form_without_its_csrf_token_is_refused(staff: PageClient) -> None:
    staff.get("/console/invite")
    response = staff.post("/console/invite", {"name": "Eve", "email": "eve@x.example"}, csrf=None)
    assert response.status == 403


def test_sign_out_ends_the_session(staff: PageClient) -> None:
    staff.get("/console")
    cookie = staff.cookies["rp_console_session"]
    assert staff.post("/console/sign-out", {}).status == 303
    staff.cookies["rp_console_session"] = cookie
    assert staff.get("/console").status == 303


def test_every_console_page_has_the_security_headers(staff: PageClient) -> None:
    for path in (
        "/console",
        "/console/partners",
        "/console/applications",
        "/console/audit",
        "/console/invite",
        "/console/agreement",
        "/console/resources",
        "/console/payouts",
        "/console/groups",
        "/console/settings",
        "/console/commissions",
        "/console/leads",
        "/console/review",
    ):
        response = staff.get(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        # And a plain-text title (a block of markup put in the title block shows as text in the tab), one h1
        title = staff.text.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title and "&lt;" not in title and title.strip(), (path, title[:80])
        assert staff.text.count("<h1") == 1, path


OWN_ROUTES = sorted(
    (str(m).upper(), re.sub(r"<(\w+)>", lambda x: SAMPLES.get(x.group(1), "sample"), str(key[0])))
    for key in console.router._routes
    for m in key[1]
    if str(key[0]).startswith("/console") and not str(key[0]).startswith("/console/sign-")
)


@pytest.mark.parametrize(("method", "path"), OWN_ROUTES)
def test_staff_sending_nothing_or_unknown_ids_get_an_answer_never_a_500(
    method: str, path: str, staff: PageClient, ada: Partner
) -> None:
    # Given a signed-in staff member; When a console URL gets unknown ids (then a real partner's) and an empty form
    for url in dict.fromkeys([path, path.replace("ptr_sample", ada.partner_id)]):
        staff.get("/console")
        response = staff.get(url) if method == "GET" else staff.post(url, {})
        # Then the answer is a page, a redirect or a 4xx: never a server error
        assert response.status < 500, (method, url, response.body[:300])
