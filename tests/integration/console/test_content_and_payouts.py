"""Staff publish agreement versions and order resources; staff preview, run and settle a period's payouts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from shared.audit import service as audit
from shared.content import service as content
from shared.context import AppContext
from shared.partners import service as partners
from shared.partners.models import Partner, PayoutMethod, PayoutMethodKind
from shared.payouts.models import PayoutStatus
from tests.helpers import ledger_factories as lf
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient

from .conftest import STAFF

PERIOD = "2026-10"


def test_a_new_agreement_version_is_asked_of_partners_at_their_next_visit(
    staff: PageClient, ctx: AppContext, ada: Partner, api: ApiClient, mail_dir: Path
) -> None:
    # Given Ada accepted the version in force
    partners.accept_agreement(ctx, ada.partner_id, "2026-11")
    staff.get("/console/agreement")
    assert "Ada Lovelace" in staff.text and "2026-11" in staff.text
    # When staff publish version 2027-01
    done = staff.post("/console/agreement", {"version": "2027-01", "text": "# Terms\n\nNow **25 %**."})
    assert done.status == 303
    # Then it is in force, kept in the history with who published it, and Ada shows as outdated
    assert content.program_content(ctx).agreement_version == "2027-01"
    assert [(v.version, v.published_by) for v in content.agreement_history(ctx)] == [("2027-01", STAFF)]
    staff.get("/console/agreement")
    assert "outdated" in staff.text
    # And Ada, signing in, lands on the agreement to accept the new version
    ada_browser = PageClient(api, ip="203.0.113.5")
    signed = ada_browser.sign_in("ada@partners.example", mail_dir)
    assert signed.headers["location"] == "/portal/agreement"
    ada_browser.get("/portal/agreement")
    assert "25 %" in ada_browser.text
    # And a version name is used once
    staff.get("/console/agreement")
    assert staff.post("/console/agreement", {"version": "2027-01", "text": "other"}).status == 409
    assert [e.action for e in audit.program_trail(ctx)] == ["agreement.published"]


def test_staff_add_order_and_remove_resources(staff: PageClient, ctx: AppContext, ada: Partner) -> None:
    staff.get("/console/resources")
    staff.post("/console/resources", {"kind": "training", "title": "Demo script", "body": "[Video](https://x.example)"})
    titles = [r.title for r in content.program_content(ctx).resources]
    assert titles == ["Why customers buy", "FAQ", "Demo script"]
    staff.get("/console/resources")
    staff.post("/console/resources/2/up", {})
    assert [r.title for r in content.program_content(ctx).resources] == ["Why customers buy", "Demo script", "FAQ"]
    staff.get("/console/resources")
    staff.post("/console/resources/0/delete", {})
    assert [r.title for r in content.program_content(ctx).resources] == ["Demo script", "FAQ"]
    assert content.program_content(ctx).agreement_version == "2026-11"  # the agreement is untouched
    staff.get("/console/resources")
    assert staff.post("/console/resources/9/delete", {}).status == 404
    assert staff.post("/console/resources", {"kind": "nonsense", "title": "", "body": ""}).status == 422


@pytest.fixture
def paypal_partner(ctx: AppContext, ada: Partner) -> Partner:
    """Ada is paid through PayPal and earned 80.00 USD, less a 15.00 clawback, in October."""
    partners.set_payout_method(
        ctx, ada.partner_id, PayoutMethod(kind=PayoutMethodKind.PAYPAL, reference="ada@pp.example")
    )
    sale = lf.commission(ada.partner_id, 8000)
    lf.given(ctx.table, sale, lf.commission(ada.partner_id, -1500, reverses=sale.commission_id))
    return ada


def test_staff_preview_run_and_mark_a_manual_payout_paid(
    staff: PageClient, ctx: AppContext, paypal_partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_unused")  # a PayPal payout never reaches Stripe
    # When staff preview October
    staff.get("/console/payouts", {"period": PERIOD, "preview": "1"})
    assert "$65.00" in staff.text and "paypal" in staff.text
    # And run it
    assert staff.post("/console/payouts/run", {"period": PERIOD}).status == 303
    payout = ctx.payouts.require(paypal_partner.partner_id, PERIOD, "USD")
    assert payout.status is PayoutStatus.PENDING
    # Then the manual payouts CSV lists Ada's
    export = staff.get("/console/payouts/export.csv", {"period": PERIOD})
    rows = list(csv.DictReader(io.StringIO(export.body.decode())))
    assert [(r["partner_id"], r["amount"]) for r in rows] == [(paypal_partner.partner_id, "6500")]
    # And staff mark it paid with PayPal's reference, once
    staff.get("/console/payouts", {"period": PERIOD})
    path = f"/console/payouts/{paypal_partner.partner_id}/{PERIOD}/USD/mark-paid"
    assert staff.post(path, {"reference": "PP-123"}).status == 303
    assert ctx.payouts.require(paypal_partner.partner_id, PERIOD, "USD").status is PayoutStatus.PAID
    staff.get("/console/payouts", {"period": PERIOD})
    assert "PP-123" in staff.text
    assert staff.post(path, {"reference": "PP-999"}).status == 409
    statement = staff.get(f"/console/payouts/{paypal_partner.partner_id}/{PERIOD}/USD/statement.csv")
    assert statement.status == 200 and "attachment" in statement.headers["content-disposition"]
    actions = [e.action for e in audit.partner_trail(ctx, paypal_partner.partner_id)]
    assert actions[0] == "payout.marked_paid"
