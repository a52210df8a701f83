"""The staff console and the application form in a real browser (headless Chromium)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.console_flow import (
    CONSOLE_PAGES,
    FLAGGED_PARTNER,
    OTHER_SLICES_PAGES,
    application_page,
    apply,
    given_console_data,
    staff_sign_in,
)
from tests.browser.portal_flow import axe_violations
from tests.browser.stack import PAYOUT_PERIOD, Stack
from tests.helpers.browser_client import newest_email, newest_sign_in_link, text_body

APPLICANT = "carol@consulting.example"


@pytest.fixture(scope="module", autouse=True)
def console_data(stack: Stack) -> None:
    """The agencies group with its own agreement and resource; Rita's commission waiting in review."""
    given_console_data(stack.ctx)


@pytest.fixture
def context(browser: Any) -> Any:
    """A fresh browser profile (no cookies) at a laptop's width."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-US")
    yield ctx
    ctx.close()


def give_the_consultants_a_resource(staff: Any) -> None:
    """From the Groups page: the consultants' page, their resources, a training of their own."""
    staff.get_by_role("link", name="Consultants", exact=True).click()
    staff.get_by_role("link", name="Edit the group's resources").click()
    staff.get_by_label("Kind").select_option("training")
    staff.get_by_label("Title").fill("Consultant playbook")
    staff.get_by_label(re.compile("^Text")).fill("Open with the **CFO's** month-end pain.")
    staff.get_by_role("button", name="Add", exact=True).click()
    expect(staff.get_by_text("Saved: partners see it now.")).to_be_visible()


def test_apply_approve_into_a_group_welcome_accept_and_a_new_agreement_version(
    browser: Any, context: Any, stack: Stack
) -> None:
    # A visitor applies at /apply
    visitor = context.new_page()
    apply(visitor, stack.base_url, "Carol", APPLICANT)
    expect(visitor.get_by_role("heading", name="Thank you for applying")).to_be_visible()

    # A staff member signs in through the emailed link and approves the application
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    staff = staff_context.new_page()
    staff_sign_in(staff, stack.base_url, stack.mail_dir)
    staff.get_by_role("link", name="Groups", exact=True).click()
    staff.get_by_label("Id (for example agencies)").fill("consultants")
    staff.get_by_label("Name", exact=True).fill("Consultants")
    staff.get_by_role("button", name="Save the group").click()
    expect(staff.get_by_text("Group saved.")).to_be_visible()
    give_the_consultants_a_resource(staff)
    staff.get_by_role("link", name="Applications", exact=True).click()
    staff.get_by_role("link", name="Review Carol").click()
    expect(staff.get_by_text("A monthly newsletter")).to_be_visible()
    staff.get_by_label("Group", exact=True).select_option("consultants")
    staff.get_by_label("First link's code (optional)").fill("carol")
    staff.get_by_role("button", name="Approve and send the welcome email").click()
    expect(staff.get_by_text("Approved: the partner has its first link")).to_be_visible()

    # The new partner receives the welcome email, signs in, accepts the agreement and sees the resources
    welcome = newest_email(stack.mail_dir)
    assert welcome["To"] == APPLICANT and "/r/carol" in text_body(welcome)
    partner = context.new_page()
    partner.goto(newest_sign_in_link(stack.mail_dir))
    partner.get_by_role("button", name="Sign in").click()
    partner.wait_for_url(f"{stack.base_url}/portal/agreement")
    partner.get_by_role("button", name="I accept version 2026-11").click()
    expect(partner.get_by_text("Thank you: your acceptance is recorded.")).to_be_visible()
    partner.get_by_role("link", name="Resources", exact=True).click()
    expect(partner.get_by_role("heading", name="Consultant playbook")).to_be_visible()  # the group's
    expect(partner.get_by_role("heading", name="Who to refer")).to_be_visible()  # the program's
    expect(partner.get_by_role("heading", name="Agency pitch deck")).to_have_count(0)  # another group's

    # Staff publish a new agreement version; the console shows Carol's acceptance as outdated
    staff.get_by_role("link", name="Agreement", exact=True).click()
    expect(staff.get_by_role("row", name=re.compile("Carol.*2026-11"))).to_be_visible()
    staff.get_by_label("Version name (for example 2027-01)").fill("2027-01")
    staff.get_by_label("Text (Markdown)").fill("# Terms\n\nFrom January: **25 %** of every payment.")
    staff.get_by_role("button", name="Publish", exact=True).click()
    expect(staff.get_by_text("Published: every partner is asked")).to_be_visible()
    expect(staff.get_by_role("row", name=re.compile("Carol.*outdated"))).to_be_visible()

    # Carol is asked to accept it at her next visit
    partner.goto(f"{stack.base_url}/portal")
    partner.get_by_role("link", name="Agreement", exact=True).click()
    expect(partner.get_by_role("button", name="I accept version 2027-01")).to_be_visible()
    partner.get_by_role("button", name="I accept version 2027-01").click()
    staff.reload()
    expect(staff.get_by_role("row", name=re.compile("Carol.*2027-01"))).to_be_visible()

    # The audit trail shows who did it
    staff.get_by_role("link", name="Audit trail", exact=True).click()
    expect(staff.get_by_role("cell", name="partner.approved")).to_be_visible()
    expect(staff.get_by_role("cell", name="agreement.published")).to_be_visible()
    expect(staff.get_by_role("cell", name="- -> consultants")).to_be_visible()
    staff_context.close()


def test_staff_preview_a_period_and_mark_a_manual_payout_paid(context: Any, stack: Stack) -> None:
    page = context.new_page()
    staff_sign_in(page, stack.base_url, stack.mail_dir)
    page.get_by_role("link", name="Payouts", exact=True).click()
    page.get_by_label("Period (YYYY-MM)").fill(PAYOUT_PERIOD)
    page.get_by_role("button", name="Preview the run").click()
    expect(page.get_by_role("heading", name=f"Preview of {PAYOUT_PERIOD}")).to_be_visible()
    # The demo partner's PayPal payout waits for finance: download the CSV, then mark it paid
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the manual payouts to make (CSV)").click()
    assert download_info.value.suggested_filename == f"manual-payouts-{PAYOUT_PERIOD}.csv"
    page.get_by_label("Transfer reference for ptr_demo").fill("PAYPAL-TX-42")
    page.get_by_role("button", name="Mark paid").click()
    expect(page.get_by_text("Marked paid.")).to_be_visible()
    expect(page.get_by_text("PAYPAL-TX-42")).to_be_visible()


def test_staff_reject_a_flagged_commission_grant_a_bonus_and_set_the_payout_method(context: Any, stack: Stack) -> None:
    page = context.new_page()
    staff_sign_in(page, stack.base_url, stack.mail_dir)
    # The review queue shows Rita's self-purchase and why it waits; staff reject it with a reason
    page.get_by_role("link", name="Review queue", exact=True).click()
    expect(page.get_by_role("cell", name=re.compile("self-referral"))).to_be_visible()
    page.get_by_label(re.compile("^Reason for rejecting")).fill("Self-purchase: not eligible")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Rejected: it will never be paid.")).to_be_visible()
    expect(page.get_by_text("Nothing waits for review.")).to_be_visible()
    # On Rita's page: a launch bonus and her PayPal account
    page.get_by_role("link", name="Partners", exact=True).click()
    page.get_by_role("link", name=FLAGGED_PARTNER).click()
    page.get_by_label("Amount (for example 50.00 or -12.50)").fill("25.00")
    page.get_by_label("Reason the partner reads").fill("Launch bonus")
    page.get_by_role("button", name="Grant the adjustment").click()
    expect(page.get_by_text("Adjustment granted")).to_be_visible()
    expect(page.get_by_role("cell", name="$25.00")).to_be_visible()
    page.get_by_label("Paid by").select_option("paypal")
    page.get_by_label(re.compile("^Account")).fill("rita@paypal.example")
    page.get_by_role("button", name="Save the payout method").click()
    expect(page.get_by_text("Payout method saved.")).to_be_visible()
    expect(page.get_by_text("paypal · rita@paypal.example")).to_be_visible()


def test_a_partner_session_reaches_no_console_page(context: Any, stack: Stack) -> None:
    from tests.browser.portal_flow import sign_in

    page = context.new_page()
    sign_in(page, stack.base_url, "partner@demo.example", stack.mail_dir)
    for _, path in (*CONSOLE_PAGES, *OTHER_SLICES_PAGES):
        page.goto(stack.base_url + path)
        assert page.url == f"{stack.base_url}/console/sign-in", path


@pytest.mark.parametrize("width", [390, 1280])
def test_no_console_page_has_a_serious_or_critical_accessibility_violation(
    browser: Any, stack: Stack, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # to inject axe
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    for path in ("/apply", "/apply/thanks", "/console/sign-in"):
        page.goto(stack.base_url + path)
        found[path] = axe_violations(page)
    staff_sign_in(page, stack.base_url, stack.mail_dir, on_step=lambda step: found.update({step: axe_violations(page)}))
    application = application_page(page, stack.base_url)
    for path in [p for _, p in (*CONSOLE_PAGES, *OTHER_SLICES_PAGES)] + ([application] if application else []):
        response = page.goto(stack.base_url + path)
        assert response is not None and response.status == 200, path
        found[path] = axe_violations(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (path, width)
    context.close()
    assert {p: v for p, v in found.items() if v} == {}
