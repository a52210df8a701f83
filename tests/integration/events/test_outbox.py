"""The outbox: every state change writes exactly one event in its own transaction; a replayed, duplicated or
refused change writes none."""

from __future__ import annotations

import pytest

from shared.context import AppContext
from shared.core.errors import Conflict
from shared.leads import lifecycle
from shared.leads.models import LeadStatus
from shared.onboarding import service as onboarding
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from tests.helpers import ledger_factories as lf
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_link, given_partner, given_plan, given_program
from tests.helpers.fake_stripe import FakeStripe
from tests.helpers.webhooks import deliver, paid_invoice
from tests.integration.events.conftest import outbox, types_of

pytestmark = pytest.mark.integration


def application(email: str) -> onboarding.ApplicationInput:
    return onboarding.ApplicationInput.model_validate(
        {"name": "Grace Hopper", "email": email, "promotion": "my newsletter", "accept_terms": True}
    )


def test_an_application_and_its_decision_write_one_event_each_and_a_second_decision_none(
    api: ApiClient, ctx: AppContext
) -> None:
    # Given a program, and two applicants
    given_program(api)
    grace = onboarding.apply(ctx, application("grace@apply.example"), ip_subject="ip-1", language="pt_BR")
    alan = onboarding.apply(ctx, application("alan@apply.example"), ip_subject="ip-1", language="en")
    assert grace is not None and alan is not None
    assert types_of(outbox(ctx)) == ["partner.applied", "partner.applied"]
    # When staff approve Grace, reject Alan, then try to decide Grace again
    onboarding.approve(ctx, grace.partner_id, actor="staff@demo.example")
    onboarding.reject(ctx, alan.partner_id, actor="staff@demo.example", reason="no audience yet")
    with pytest.raises(Conflict):
        onboarding.reject(ctx, grace.partner_id, actor="staff@demo.example", reason="changed my mind")
    # Then one event per decision, and the refused one wrote nothing
    events = outbox(ctx)
    assert sorted(types_of(events)) == ["partner.applied", "partner.applied", "partner.approved", "partner.rejected"]
    rejected = next(e for e in events if e["type"] == "partner.rejected")
    assert rejected["partner_id"] == alan.partner_id and rejected["data"]["reason"] == "no audience yet"


def test_a_lead_is_created_once_and_each_status_move_writes_one_event(api: ApiClient, ctx: AppContext) -> None:
    # Given a partner whose plan pays a lead bounty, and a lead through its link, submitted twice
    given_plan(api, plan_id="leads", lead_bounty={"amount": 5000, "currency": "USD"})
    given_program(api, default_plan_id="leads")
    ada = given_partner(api)
    given_link(api, ada["partner_id"], code="ada-link")
    first = api.post("/leads", json={"email": "grace@prospect.example", "ref": "ada-link"})
    api.post("/leads", json={"email": "grace@prospect.example", "ref": "ada-link"})
    lead_id = first.json["lead_id"]
    assert types_of(outbox(ctx)) == ["lead.created"]
    # When staff qualify it twice (the second is a no-op), then convert it
    lifecycle.change_status(ctx, lead_id, LeadStatus.QUALIFIED)
    lifecycle.change_status(ctx, lead_id, LeadStatus.QUALIFIED)
    lifecycle.change_status(ctx, lead_id, LeadStatus.CONVERTED)
    # Then one status event per move, and the bounty's commission.created once
    events = outbox(ctx)
    moves = [(e["data"]["previous_status"], e["data"]["status"]) for e in events if e["type"] == "lead.status_changed"]
    assert moves == [("new", "qualified"), ("qualified", "converted")]
    assert types_of(events).count("commission.created") == 1
    created = next(e for e in events if e["type"] == "lead.created")
    assert created["partner_id"] == ada["partner_id"] and created["data"]["email_masked"] == "g***@prospect.example"


def test_a_stripe_sale_writes_its_events_once_however_often_stripe_delivers_it(api: ApiClient, ctx: AppContext) -> None:
    # Given a partner's referred customer who paid an invoice
    given_plan(api, plan_id="std")
    given_program(api, default_plan_id="std")
    ada = given_partner(api)
    invoice_id = paid_invoice(api, ada, "cus_1", "pi_1")
    before = types_of(outbox(ctx))
    assert before.count("customer.attributed") == 1 and before.count("commission.created") >= 1
    # When Stripe delivers the same invoice again (a retry, and a new event id for the same fact)
    invoice = sp.invoice(customer="cus_1", subscription="sub_1", amount_paid=10000)
    invoice["id"] = invoice_id
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    # Then no event was added
    assert types_of(outbox(ctx)) == before


def test_a_payout_writes_created_then_paid_once(api: ApiClient, ctx: AppContext) -> None:
    # Given a PayPal partner with an October commission, and the October run done (twice)
    given_program(api)
    partner = given_partner(api, email="ada@partner.example")
    pid = partner["partner_id"]
    method = {"kind": "paypal", "reference": "ada@paypal.example"}
    assert api.put(f"/admin/partners/{pid}/payout-method", json=method, headers=ADMIN).status == 200
    lf.given(ctx.table, lf.commission(pid, 8000))
    PayoutRun(ctx, None).run("2026-10")
    PayoutRun(ctx, None).run("2026-10")
    assert types_of(outbox(ctx)) == ["payout.created"]
    # When finance marks it paid, twice
    paid = api.post(f"/admin/payouts/{pid}/2026-10/USD/mark-paid", json={"reference": "TX-1"}, headers=ADMIN)
    again = api.post(f"/admin/payouts/{pid}/2026-10/USD/mark-paid", json={"reference": "TX-2"}, headers=ADMIN)
    # Then one payout.paid, with the amount and the reference
    assert paid.status == 200 and again.status == 409
    events = outbox(ctx)
    assert types_of(events) == ["payout.created", "payout.paid"]
    assert (
        events[1]["data"]["amount"] == {"amount": 8000, "currency": "USD"} and events[1]["data"]["reference"] == "TX-1"
    )


def test_each_declined_transfer_writes_one_payout_failed_and_the_transfer_that_goes_through_payout_paid(
    api: ApiClient, ctx: AppContext
) -> None:
    # Given a Stripe Connect partner with an October commission, and a Stripe balance too low to pay it
    given_program(api)
    pid = given_partner(api, email="ada@partner.example")["partner_id"]
    method = {"kind": "stripe_connect", "stripe_account_id": "acct_ada"}
    assert api.put(f"/admin/partners/{pid}/payout-method", json=method, headers=ADMIN).status == 200
    lf.given(ctx.table, lf.commission(pid, 8000))
    fake = FakeStripe().start()
    try:
        transfers = StripeTransfers("sk_test_local", api_base=fake.url, sleep=lambda _: None)
        fake.insufficient_balance = True
        # When the run declines twice (two runs), then pays once the balance is there
        PayoutRun(ctx, transfers).run("2026-10")
        PayoutRun(ctx, transfers).run("2026-10")
        fake.insufficient_balance = False
        PayoutRun(ctx, transfers).run("2026-10")
        PayoutRun(ctx, transfers).run("2026-10")
    finally:
        fake.stop()
    # Then one event per state change: created, each failed attempt, paid - and the last run added none
    events = outbox(ctx)
    assert types_of(events) == ["payout.created", "payout.failed", "payout.failed", "payout.paid"]
    assert events[1]["data"]["failure_reason"] and len(fake.transfers) == 1
