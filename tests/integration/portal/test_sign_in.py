"""Passwordless sign-in: the emailed link, its single use and 15 minutes, sessions and sign-out."""

from __future__ import annotations

from pathlib import Path

from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.partners import service as partners
from shared.partners.models import Partner, PartnerStatus
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient, newest_email, newest_sign_in_link, text_body


def test_the_portal_without_a_session_redirects_to_sign_in(browser: PageClient) -> None:
    response = browser.get("/portal")
    assert response.status == 303
    assert response.headers["location"] == "/portal/sign-in"
    page = browser.get("/portal/sign-in")
    assert page.status == 200
    assert 'name="email"' in page.body.decode()


def test_a_partner_signs_in_through_the_emailed_link(browser: PageClient, ada: Partner, mail_dir: Path) -> None:
    # When Ada asks for a link
    browser.get("/portal/sign-in")
    answer = browser.post("/portal/sign-in", {"email": "ADA@partners.example "})
    assert answer.status == 200
    assert "Check your email" in browser.text
    # Then one email with an absolute link reaches her
    message = newest_email(mail_dir)
    assert message["To"] == "ada@partners.example"
    link = newest_sign_in_link(mail_dir)
    assert link.startswith("https://api.test/portal/sign-in/confirm?token=")
    # Opening it (GET) only shows a confirmation: a mail scanner's prefetch signs nobody in
    confirm = browser.get(link)
    assert confirm.status == 200
    assert "rp_session" not in browser.cookies
    # Confirming opens a session with the cookie flags the contract asks for
    done = browser.post("/portal/sign-in/confirm", {"token": link.rsplit("token=", 1)[1]})
    assert done.status == 303
    assert done.headers["location"] == "/portal/agreement"  # the agreement in force is not accepted yet
    cookie = next(
        c for c in done.headers["set-cookie"].split(", rp") if "rp_session=" in c or c.startswith("_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=43200" in cookie
    dashboard = browser.get("/portal")
    assert dashboard.status == 200
    assert "Ada Lovelace" in browser.text


def test_an_unknown_email_gets_the_same_answer_and_no_mail(browser: PageClient, ada: Partner, mail_dir: Path) -> None:
    browser.get("/portal/sign-in")
    known = browser.post("/portal/sign-in", {"email": "ada@partners.example"})
    known_text = browser.text.replace("ada@partners.example", "EMAIL")
    browser.get("/portal/sign-in")
    unknown = browser.post("/portal/sign-in", {"email": "nobody@partners.example"})
    assert unknown.status == known.status == 200
    assert browser.text.replace("nobody@partners.example", "EMAIL") == known_text
    assert len(list(mail_dir.glob("*.eml"))) == 1


def test_a_used_link_is_refused(api: ApiClient, ada: Partner, mail_dir: Path) -> None:
    first = PageClient(api)
    assert first.sign_in("ada@partners.example", mail_dir).status == 303
    link = newest_sign_in_link(mail_dir)
    # A second browser (or a replay) with the same link
    second = PageClient(api, ip="198.51.100.11")
    assert second.get(link).status == 410
    assert "already used" in second.text
    second.get("/portal/sign-in")
    replay = second.post("/portal/sign-in/confirm", {"token": link.rsplit("token=", 1)[1]})
    assert replay.status == 410
    assert "rp_session" not in second.cookies


def test_an_expired_link_is_refused(browser: PageClient, ada: Partner, mail_dir: Path, clock: FixedClock) -> None:
    browser.get("/portal/sign-in")
    browser.post("/portal/sign-in", {"email": "ada@partners.example"})
    link = newest_sign_in_link(mail_dir)
    clock.advance(minutes=15, seconds=1)
    assert browser.get(link).status == 410
    assert "expired" in browser.text
    browser.get("/portal/sign-in")
    assert browser.post("/portal/sign-in/confirm", {"token": link.rsplit("token=", 1)[1]}).status == 410


def test_sign_out_ends_the_session(browser: PageClient, ada: Partner, mail_dir: Path) -> None:
    browser.sign_in("ada@partners.example", mail_dir)
    kept = dict(browser.cookies)
    browser.get("/portal")
    assert browser.post("/portal/sign-out", {}).status == 303
    assert browser.get("/portal").status == 303
    # The old cookie, replayed, opens nothing: the session is gone server-side
    browser.cookies = kept
    assert browser.get("/portal").status == 303


def test_pausing_a_partner_ends_its_sessions(
    browser: PageClient, ada: Partner, mail_dir: Path, ctx: AppContext
) -> None:
    browser.sign_in("ada@partners.example", mail_dir)
    assert browser.get("/portal").status == 200
    partners.change_status(ctx, ada.partner_id, PartnerStatus.PAUSED, "review")
    assert browser.get("/portal").status == 303
    partners.change_status(ctx, ada.partner_id, PartnerStatus.ACTIVE, None)
    assert browser.get("/portal").status == 303  # the ended session does not come back
    # and a paused partner gets no link at all
    partners.change_status(ctx, ada.partner_id, PartnerStatus.PAUSED, "again")
    before = len(list(mail_dir.glob("*.eml")))
    browser.get("/portal/sign-in")
    browser.post("/portal/sign-in", {"email": "ada@partners.example"})
    assert len(list(mail_dir.glob("*.eml"))) == before


def test_sign_in_requests_are_rate_limited_per_email(browser: PageClient, ada: Partner, mail_dir: Path) -> None:
    statuses = []
    for _ in range(6):
        browser.get("/portal/sign-in")
        statuses.append(browser.post("/portal/sign-in", {"email": "ada@partners.example"}).status)
    assert statuses == [200] * 5 + [429]
    assert browser.last is not None and "retry-after" in browser.last.headers
    assert len(list(mail_dir.glob("*.eml"))) == 5


def test_a_form_without_its_csrf_token_is_refused(browser: PageClient, ada: Partner, mail_dir: Path) -> None:
    browser.get("/portal/sign-in")
    assert browser.post("/portal/sign-in", {"email": "ada@partners.example"}, csrf=None).status == 403
    assert browser.post("/portal/sign-in", {"email": "ada@partners.example"}, csrf="forged").status == 403
    assert not list(mail_dir.glob("*.eml"))
    browser.sign_in("ada@partners.example", mail_dir)
    browser.get("/portal/leads")
    assert browser.post("/portal/leads", {"email": "x@y.example"}, csrf=None).status == 403
    assert browser.post("/portal/sign-out", {}, csrf=None).status == 403


def test_the_email_is_in_the_partners_language(
    browser: PageClient, ada: Partner, mail_dir: Path, ctx: AppContext
) -> None:
    partners.set_language(ctx, ada.partner_id, "pt_BR")
    browser.get("/portal/sign-in")
    browser.post("/portal/sign-in", {"email": "ada@partners.example"})
    message = newest_email(mail_dir)
    assert "Olá" in text_body(message)


def test_once_the_agreement_is_accepted_sign_in_lands_on_the_dashboard(
    api: ApiClient, ada: Partner, mail_dir: Path, ctx: AppContext
) -> None:
    partners.accept_agreement(ctx, ada.partner_id, "2026-11")
    response = PageClient(api).sign_in("ada@partners.example", mail_dir)
    assert response.headers["location"] == "/portal"
