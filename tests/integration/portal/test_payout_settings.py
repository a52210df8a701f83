"""Payout settings: Stripe Connect Express onboarding through Account Links, against the local fake Stripe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.context import AppContext
from shared.partners.models import Partner, PayoutMethodKind
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient, newest_email, text_body
from tests.helpers.fake_stripe import FakeStripe


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    monkeypatch.setenv("STRIPE_API_BASE", server.url)
    yield server
    server.stop()


def test_a_partner_onboards_to_stripe_connect_and_sees_when_it_is_ready(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path, fake_stripe: FakeStripe
) -> None:
    browser = PageClient(api)
    browser.sign_in("ada@partners.example", mail_dir)
    # Given Ada has no payout method yet
    browser.get("/portal/payout-settings")
    assert "Not set yet" in browser.text
    # When she starts the Stripe onboarding
    answer = browser.post("/portal/payout-settings/stripe", {})
    # Then she is sent to Stripe's hosted form for a new Express account, now her payout method
    assert answer.status == 303
    assert answer.headers["location"].startswith("https://connect.stripe.com/setup/e/acct_fake")
    stored = ctx.partners.get(ada.partner_id)
    assert stored.payout_method.kind is PayoutMethodKind.STRIPE_CONNECT
    account_id = stored.payout_method.stripe_account_id
    assert account_id in fake_stripe.accounts
    link = fake_stripe.account_links[-1]
    assert link["type"] == "account_onboarding"
    assert link["return_url"] == "https://api.test/portal/payout-settings?stripe=return"
    assert link["refresh_url"] == "https://api.test/portal/payout-settings/stripe/refresh"
    # Back before finishing: not ready yet
    browser.get("/portal/payout-settings?stripe=return")
    assert "not ready for payouts yet" in browser.text
    # An expired link sends her to refresh: a new link for the same account, no second account
    again = browser.get("/portal/payout-settings/stripe/refresh")
    assert again.status == 303 and account_id in again.headers["location"]
    browser.get("/portal/payout-settings")
    browser.post("/portal/payout-settings/stripe", {})
    assert list(fake_stripe.accounts) == [account_id]
    # Once Stripe has her details, the page says payouts go there
    fake_stripe.onboarded.add(str(account_id))
    browser.get("/portal/payout-settings?stripe=return")
    assert "Your Stripe account is ready" in browser.text


def test_onboarding_needs_a_session_and_a_csrf_token(
    api: ApiClient, ada: Partner, mail_dir: Path, fake_stripe: FakeStripe
) -> None:
    assert PageClient(api).get("/portal/payout-settings").status == 303
    browser = PageClient(api)
    browser.sign_in("ada@partners.example", mail_dir)
    browser.get("/portal/payout-settings")
    assert browser.post("/portal/payout-settings/stripe", {}, csrf=None).status == 403
    assert fake_stripe.accounts == {}


def test_a_partner_sets_a_manual_payout_method_and_is_told_by_email(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    browser = PageClient(api)
    browser.sign_in("ada@partners.example", mail_dir)
    emails_before = len(list(mail_dir.glob("*.eml")))
    browser.get("/portal/payout-settings")
    # An unknown kind or a missing account is refused, nothing saved
    assert browser.post("/portal/payout-settings/manual", {"kind": "stripe_connect", "reference": "x"}).status == 422
    assert (
        browser.post("/portal/payout-settings/manual", {"kind": "paypal", "reference": ""}, csrf=browser.csrf()).status
        == 422
    )
    assert ctx.partners.get(ada.partner_id).payout_method.kind is PayoutMethodKind.NONE
    # PayPal with an email is saved, and Ada gets a note of the change
    saved = browser.post(
        "/portal/payout-settings/manual", {"kind": "paypal", "reference": "ada@paypal.example"}, csrf=browser.csrf()
    )
    assert saved.status == 303
    method = ctx.partners.get(ada.partner_id).payout_method
    assert (method.kind, method.reference) == (PayoutMethodKind.PAYPAL, "ada@paypal.example")
    assert len(list(mail_dir.glob("*.eml"))) == emails_before + 1
    note = text_body(newest_email(mail_dir))
    assert "PayPal: ada@paypal.example" in note and "https://api.test/portal/payout-settings" in note
    browser.get("/portal/payout-settings?saved=1")
    assert "Saved. We emailed you a note of the change." in browser.text
