"""Every portal page and action: what a partner sees, that it is only its own, that text stays text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from shared.commissions.models import CommissionStatus
from shared.context import AppContext
from shared.partners import service as partners
from shared.partners.models import Partner, PayoutMethod, PayoutMethodKind
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from tests.helpers import ledger_factories as lf
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient

PAGES = (
    "/portal",
    "/portal/links",
    "/portal/leads",
    "/portal/customers",
    "/portal/reports",
    "/portal/earnings",
    "/portal/agreement",
    "/portal/resources",
)


def signed_in(api: ApiClient, mail_dir: Path, email: str, ip: str = "198.51.100.20") -> PageClient:
    browser = PageClient(api, ip=ip)
    assert browser.sign_in(email, mail_dir).status == 303
    return browser


def given_october_payout(ctx: AppContext, partner: Partner) -> None:
    """A manual (PayPal) partner with a sale and a clawback, paid in the October 2026 run."""
    partners.set_payout_method(
        ctx, partner.partner_id, PayoutMethod(kind=PayoutMethodKind.PAYPAL, reference="p@x.example")
    )
    sale = lf.commission(partner.partner_id, 8000)
    clawback = lf.commission(partner.partner_id, -1500, reverses=sale.commission_id)
    lf.given(ctx.table, sale, clawback)
    PayoutRun(ctx, StripeTransfers("sk_test_unused", api_base="http://127.0.0.1:9", sleep=lambda _: None)).run(
        "2026-10"
    )


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_with_the_security_headers(api: ApiClient, ada: Partner, mail_dir: Path, path: str) -> None:
    browser = signed_in(api, mail_dir, "ada@partners.example")
    response = browser.get(path)
    assert response.status == 200, path
    assert response.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.body.decode()  # no inline script anywhere
    title = browser.text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and title.strip(), (path, title[:80])  # a plain-text title
    # and without a session every page sends the visitor to sign in
    assert PageClient(api).get(path).status == 303


def test_the_links_page_shows_the_share_url_qr_code_and_share_buttons(
    api: ApiClient, ada: Partner, bob: Partner, mail_dir: Path
) -> None:
    browser = signed_in(api, mail_dir, "ada@partners.example")
    browser.get("/portal/links")
    page = browser.text
    assert 'value="https://api.test/r/ada-link"' in page
    assert "<svg" in page and "QR code of https://api.test/r/ada-link" in page
    for needle in ("linkedin.com", "twitter.com/intent", "facebook.com/sharer", "wa.me", "mailto:"):
        assert needle in page
    assert "utm_source%3Dlinkedin" in page or "utm_source=linkedin" in page
    assert "bob-link" not in page
    assert browser.get("/portal/links/ada-link").status == 200
    assert "This link per month, the last 12 months" in browser.text


def test_a_partner_never_sees_another_partners_data(
    api: ApiClient, ctx: AppContext, ada: Partner, bob: Partner, mail_dir: Path
) -> None:
    # Given Bob's lead, Bob's payout and Bob's link
    bob_browser = signed_in(api, mail_dir, "bob@partners.example", ip="198.51.100.30")
    bob_browser.get("/portal/leads")
    assert bob_browser.post("/portal/leads", {"email": "carol@prospect.example", "name": "Carol Secret"}).status == 303
    given_october_payout(ctx, bob)
    # When Ada looks at every page
    ada_browser = signed_in(api, mail_dir, "ada@partners.example")
    for path in PAGES:
        ada_browser.get(path)
        assert "Carol" not in ada_browser.text and "c***@prospect.example" not in ada_browser.text, path
        assert "bob-link" not in ada_browser.text and "Bob Builder" not in ada_browser.text, path
        assert "2026-10" not in ada_browser.text, path
    # and asks for Bob's things by their address
    assert ada_browser.get("/portal/links/bob-link").status == 404
    assert ada_browser.get("/portal/earnings/statements/2026-10/USD").status == 404
    assert ada_browser.get("/portal/earnings/statements/2026-10/USD.csv").status == 404
    # Then Bob sees his own
    bob_browser.get("/portal/leads")
    assert "c***@prospect.example" in bob_browser.text and "Carol Secret" in bob_browser.text
    assert bob_browser.get("/portal/earnings/statements/2026-10/USD").status == 200


def test_a_lead_from_the_portal_follows_the_partner_api_rules(
    api: ApiClient, ada: Partner, bob: Partner, mail_dir: Path
) -> None:
    ada_browser = signed_in(api, mail_dir, "ada@partners.example")
    ada_browser.get("/portal/leads")
    assert ada_browser.post("/portal/leads", {"email": "dan@prospect.example", "notes": "met at a fair"}).status == 303
    ada_browser.get("/portal/leads?submitted=1&outcome=accepted")
    assert "d***@prospect.example" in ada_browser.text and "dan@prospect.example" not in ada_browser.text
    assert "recorded and attributed to you" in ada_browser.text
    # Bob, later and in Portuguese, submits the same prospect: the first-touch rule keeps it Ada's
    bob_browser = PageClient(api, ip="198.51.100.31", accept_language="pt-BR")
    bob_browser.sign_in("bob@partners.example", mail_dir)
    bob_browser.get("/portal/leads")
    bob_browser.post("/portal/leads", {"email": "Dan@Prospect.example"})
    bob_browser.get("/portal/leads")
    assert "já indicado por outro parceiro" in bob_browser.text
    # an invalid email is refused with the form kept
    ada_browser.get("/portal/leads")
    refused = ada_browser.post("/portal/leads", {"email": "not-an-email", "name": "Eve"})
    assert refused.status == 422
    assert 'value="Eve"' in refused.body.decode()
    # and the search finds by masked email
    ada_browser.get("/portal/leads?q=d***")
    assert "d***@prospect.example" in ada_browser.text
    ada_browser.get("/portal/leads?q=zzz")
    assert "d***@prospect.example" not in ada_browser.text


def test_script_in_a_name_or_a_note_renders_as_text(
    api: ApiClient, ctx: AppContext, program: None, mail_dir: Path
) -> None:
    evil = partners.create_partner(
        ctx, partners.PartnerInput(name="<script>alert('name')</script>", email="evil@partners.example")
    )
    assert evil.partner_id
    browser = signed_in(api, mail_dir, "evil@partners.example")
    browser.get("/portal/leads")
    browser.post("/portal/leads", {"email": "x@prospect.example", "notes": "<script>alert('note')</script>"})
    for path in ("/portal", "/portal/leads"):
        body = browser.get(path).body.decode()
        assert "<script>alert" not in body
        assert "&lt;script&gt;alert(" in body


def test_accepting_the_agreement_records_version_time_and_ip(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    browser = signed_in(api, mail_dir, "ada@partners.example")
    browser.get("/portal/agreement")
    assert "<strong>20 %</strong>" in browser.last.body.decode()  # type: ignore[union-attr]
    assert browser.post("/portal/agreement", {"version": "2026-11"}).status == 303
    stored = ctx.partners.get(ada.partner_id)
    assert stored.agreement_version == "2026-11"
    assert stored.agreement_accepted_at == ctx.clock.now()
    assert stored.agreement_accepted_ip == "198.51.100.20"
    browser.get("/portal/agreement")
    assert "You have accepted the current version." in browser.text
    # A stale page's version is refused
    assert browser.post("/portal/agreement", {"version": "2020-01"}, csrf=browser.csrf()).status == 400


def test_earnings_show_the_ledger_payouts_and_statements(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    given_october_payout(ctx, ada)
    browser = signed_in(api, mail_dir, "ada@partners.example")
    browser.get("/portal/earnings")
    assert "$65.00" in browser.text and "$80.00" in browser.text and "-$15.00" in browser.text
    assert "reversal (refund or dispute)" in browser.text
    page = browser.get("/portal/earnings/statements/2026-10/USD")
    assert page.status == 200 and "$65.00" in browser.text
    download = browser.get("/portal/earnings/statements/2026-10/USD.csv")
    assert download.status == 200
    assert download.headers["content-disposition"] == 'attachment; filename="statement-2026-10-USD.csv"'
    rows = list(csv.reader(io.StringIO(download.body.decode())))
    assert rows[-1][0] == "TOTAL" and rows[-1][4] == "6500"


def test_resources_and_the_dashboard(api: ApiClient, ada: Partner, mail_dir: Path) -> None:
    browser = signed_in(api, mail_dir, "ada@partners.example")
    browser.get("/portal/resources")
    assert "Why customers buy" in browser.text and "<li>Fast</li>" in browser.text
    browser.get("/portal")
    assert "Hello, Ada Lovelace" in browser.text


def test_the_language_switch_turns_the_portal_portuguese(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    browser = signed_in(api, mail_dir, "ada@partners.example")
    browser.get("/portal/earnings")
    assert browser.post("/portal/language", {"language": "pt_BR", "next": "/portal/earnings"}).status == 303
    assert browser.last is not None and browser.last.headers["location"] == "/portal/earnings"
    browser.get("/portal/earnings")
    assert "Ganhos" in browser.text and 'lang="pt-BR"' in browser.text
    assert ctx.partners.get(ada.partner_id).language == "pt_BR"


def test_static_assets_are_immutable_under_hashed_names(api: ApiClient, ada: Partner, mail_dir: Path) -> None:
    browser = signed_in(api, mail_dir, "ada@partners.example")
    body = browser.get("/portal").body.decode()
    import re

    css = re.search(r'href="(/static/portal\.[0-9a-f]{10}\.css)"', body)
    assert css
    asset = browser.get(css.group(1))
    assert asset.status == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"].startswith("text/css")
    assert browser.get("/static/portal.css").status == 404


def test_a_partner_creates_its_own_link_within_the_programs_limit(
    api: ApiClient, ctx: AppContext, ada: Partner, bob: Partner, mail_dir: Path
) -> None:
    browser = signed_in(api, mail_dir, "ada@partners.example")
    browser.get("/portal/links")
    assert "You can create 4 more links." in browser.text  # the default limit is 5; Ada has one
    # A code of her choice
    created = browser.post("/portal/links", {"code": "ada-newsletter"})
    assert created.status == 303 and created.headers["location"] == "/portal/links?created=ada-newsletter"
    assert ctx.links.get("ada-newsletter").partner_id == ada.partner_id
    # A taken code (Bob's) and a malformed one are refused with the form kept
    browser.get("/portal/links")
    taken = browser.post("/portal/links", {"code": "bob-link"})
    assert taken.status == 409 and "This code is taken" in browser.text
    bad = browser.post("/portal/links", {"code": "<b>x</b>"}, csrf=browser.csrf())
    assert bad.status == 422 and 'value="&lt;b&gt;x&lt;/b&gt;"' in bad.body.decode()
    # Past the program's limit nothing more is created
    for number in range(3):
        browser.get("/portal/links")
        assert browser.post("/portal/links", {"code": f"ada-extra-{number}"}).status == 303
    browser.get("/portal/links")
    assert "Create a link with your own code" not in browser.text
    refused = browser.post("/portal/links", {"code": "ada-one-too-many"}, csrf=browser.csrf())
    assert refused.status == 409 and ctx.links.find("ada-one-too-many") is None


def test_an_entry_in_review_tells_the_partner_what_kind_of_check_in_its_language(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    # Given a sale of Ada's own Stripe customer, waiting in review with the reason staff read
    flagged = lf.commission(ada.partner_id, 2500, status=CommissionStatus.NEEDS_REVIEW).model_copy(
        update={"review_reason": "self-referral: the customer cus_ADA1 is the partner's own Stripe customer"}
    )
    lf.given(ctx.table, flagged)
    # When Ada reads her earnings, in English and then in Portuguese
    browser = signed_in(api, mail_dir, "ada@partners.example")
    browser.get("/portal/earnings")
    # Then she reads the kind of check, not staff's wording with the customer's id
    assert "The customer looks like you or your own company" in browser.text
    assert "cus_ADA1" not in browser.text
    browser.post("/portal/language", {"language": "pt_BR", "next": "/portal/earnings"})
    browser.get("/portal/earnings")
    assert "O cliente parece ser você ou a sua própria empresa" in browser.text
