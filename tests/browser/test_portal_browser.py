"""The partner portal in a real browser (headless Chromium), as a partner uses it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from shared.identity import service as identity
from shared.identity.models import Audience
from shared.partners import service as partners
from tests.browser.portal_flow import axe_violations, sign_in
from tests.browser.stack import PAYOUT_PERIOD, Stack
from tests.helpers.browser_client import newest_sign_in_link

DEMO_EMAIL = "partner@demo.example"
PAGES = (
    "/portal",
    "/portal/links",
    "/portal/links/demo",
    "/portal/leads",
    "/portal/customers",
    "/portal/reports",
    "/portal/earnings",
    f"/portal/earnings/statements/{PAYOUT_PERIOD}/USD",
    "/portal/agreement",
    "/portal/resources",
    "/portal/payout-settings",
)


@pytest.fixture
def context(browser: Any, stack: Stack) -> Any:
    """A fresh browser profile (no cookies) that may use the clipboard, at a laptop's width."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-US")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.base_url)
    yield ctx
    ctx.close()


def test_a_partner_signs_in_shares_submits_accepts_downloads_switches_language_and_signs_out(
    context: Any, stack: Stack, tmp_path: Any
) -> None:
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    # Signs in through the emailed link; the agreement in force comes first, and is accepted
    sign_in(page, stack.base_url, DEMO_EMAIL, stack.mail_dir)
    assert page.url == f"{stack.base_url}/portal/agreement"
    page.get_by_role("button", name="I accept version 2026-11").click()
    expect(page.get_by_text("Thank you: your acceptance is recorded.")).to_be_visible()

    # Sees the dashboard
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Hello, Demo Partner")).to_be_visible()
    expect(page.get_by_text("Customers won, all time")).to_be_visible()
    # with the seeded clicks counted from the table's stream (not zeros)
    clicks = page.get_by_text("Clicks, all time").locator("xpath=following-sibling::p[1]")
    assert int(clicks.inner_text().replace(",", "")) > 0

    # Sees the customers its link brought, masked, with their status
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page.get_by_role("rowheader", name=re.compile(r"^l\*\*\*@northwind\.example"))).to_be_visible()
    expect(page.get_by_role("cell", name="Refunded")).to_be_visible()
    expect(page.get_by_role("cell", name="Cancelled")).to_be_visible()

    # Sees the demo link and copies its share URL
    page.get_by_role("link", name="Links", exact=True).click()
    share_url = f"{stack.base_url}/r/demo"
    assert page.get_by_label("Share URL").input_value() == share_url
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == share_url
    assert (
        page.get_by_role("link", name=re.compile("^LinkedIn"))
        .get_attribute("href")
        .startswith("https://www.linkedin.com/")
    )

    # Submits a lead and sees it listed, masked
    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_label("Email (required)").fill("rita.lopes@initech.example")
    page.get_by_label("Name", exact=True).fill("Rita Lopes")
    page.get_by_role("button", name="Submit lead").click()
    expect(page.get_by_text("recorded and attributed to you")).to_be_visible()
    expect(page.get_by_role("cell", name="r***@initech.example")).to_be_visible()

    # The agreement now shows as accepted, and the next sign-in lands on the dashboard
    page.get_by_role("link", name="Agreement", exact=True).click()
    expect(page.get_by_text("You have accepted the current version.")).to_be_visible()

    # Downloads October's statement
    page.get_by_role("link", name="Earnings", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"CSV {PAYOUT_PERIOD} USD").click()
    download = download_info.value
    assert download.suggested_filename == f"statement-{PAYOUT_PERIOD}-USD.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_text().splitlines()[-1].startswith("TOTAL,")

    # Switches to Portuguese
    page.get_by_label("Language").select_option("pt_BR")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("heading", name="Ganhos", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Painel")).to_be_visible()

    # Signs out
    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_text("Você saiu do portal.")).to_be_visible()
    page.goto(f"{stack.base_url}/portal/earnings")
    assert page.url == f"{stack.base_url}/portal/sign-in"
    # and along the way the strict CSP refused nothing the pages need
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def test_a_second_partner_sees_none_of_the_first_partners_data(context: Any, stack: Stack) -> None:
    partners.create_partner(stack.ctx, partners.PartnerInput(name="Second Partner", email="second@partners.example"))
    page = context.new_page()
    sign_in(page, stack.base_url, "second@partners.example", stack.mail_dir)
    for path in (
        "/portal",
        "/portal/links",
        "/portal/leads",
        "/portal/customers",
        "/portal/reports",
        "/portal/earnings",
    ):
        page.goto(stack.base_url + path)
        text = page.locator("main").inner_text()
        for secret in ("/r/demo", "m***@acme.example", "Maria Silva", PAYOUT_PERIOD, "Demo Partner", "northwind"):
            assert secret not in text, (path, secret)
    response = page.goto(f"{stack.base_url}/portal/earnings/statements/{PAYOUT_PERIOD}/USD")
    assert response is not None and response.status == 404
    assert page.goto(f"{stack.base_url}/portal/links/demo").status == 404


def test_a_used_or_expired_sign_in_link_is_refused(context: Any, browser: Any, stack: Stack) -> None:
    page = context.new_page()
    link = sign_in(page, stack.base_url, DEMO_EMAIL, stack.mail_dir)
    assert link == newest_sign_in_link(stack.mail_dir)
    # The same link again, in another browser
    other = browser.new_context()
    second = other.new_page()
    second.goto(link)
    expect(second.get_by_role("heading", name="This sign-in link cannot be used")).to_be_visible()
    expect(second.get_by_text("already used")).to_be_visible()
    # A link past its 15 minutes
    issued = identity.issue_link(stack.ctx, Audience.PORTAL, "ptr_demo", DEMO_EMAIL)
    expired = issued.link.model_copy(update={"valid_until": issued.link.created_at.replace(year=2020)})
    stack.ctx.table.put(expired.to_item())
    second.goto(f"{stack.base_url}/portal/sign-in/confirm?token={issued.token}")
    expect(second.get_by_text("It has expired")).to_be_visible()
    other.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_has_a_serious_or_critical_accessibility_violation(browser: Any, stack: Stack, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # to inject axe
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    # The sign-in steps: the form, "check your email", the confirmation, a refused link
    page.goto(f"{stack.base_url}/portal/sign-in")
    found["sign-in"] = axe_violations(page)
    page.get_by_label(re.compile("^(Email|E-mail)$")).fill(DEMO_EMAIL)
    page.get_by_role("button", name=re.compile("sign-in link|link de acesso")).click()
    found["check-email"] = axe_violations(page)
    page.goto(f"{stack.base_url}/portal/sign-in/confirm?token=not-a-token")
    found["link-refused"] = axe_violations(page)
    page.goto(newest_sign_in_link(stack.mail_dir))
    found["confirm"] = axe_violations(page)
    page.get_by_role("button", name=re.compile("^(Sign in|Entrar)$")).click()
    page.wait_for_url(f"{stack.base_url}/portal")
    for path in (*PAGES, "/portal/nowhere"):
        response = page.goto(stack.base_url + path)
        assert response is not None and response.status == (404 if path == "/portal/nowhere" else 200), path
        found[path] = axe_violations(page)
        # and nothing is wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (path, width)
    context.close()
    assert {p: v for p, v in found.items() if v} == {}
