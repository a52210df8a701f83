"""Property: for any history of purchases (some by the partner itself: they wait in review), renewals,
partial/full refunds, disputes (open, won, lost, with refunds during them: the reversals are held with their
originals) and cancellations, delivered shuffled, duplicated and concurrently duplicated through the real
handler against DynamoDB Local, the stored ledger equals the reference model to the cent, and the partner's
balance aggregates equal the sums of its entries - also after staff decide a review, add an adjustment,
approve or void an entry, and after the payout run claims what is payable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.commissions import service as commissions
from shared.commissions.models import BalanceTotals, Commission
from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.links import click_token
from shared.payouts.run import PayoutRun
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_link, given_partner, given_plan, given_program
from tests.helpers.webhooks import deliver
from tests.model.ledger_model import ModelInvoice, ModelPlan, expected_balances, expected_ledger, expected_totals

CLICKED_AT = int(datetime(2026, 11, 1, 9, 0, tzinfo=UTC).timestamp())

plans = st.builds(
    ModelPlan,
    sale_rate=st.sampled_from([Decimal("0.1"), Decimal("0.2"), Decimal("0.333")]),
    tier_threshold=st.none() | st.integers(5_000, 40_000),
    tier_rate=st.just(Decimal("0.3")),
    first_sale_flat=st.sampled_from([0, 500]),
    renewal_bonus=st.sampled_from([0, 300]),
    revenue_bonus_threshold=st.none() | st.integers(5_000, 40_000),
    revenue_bonus=st.just(1000),
    max_invoices=st.none() | st.integers(1, 3),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[ModelPlan, list[ModelInvoice], list[str]]:
    plan = draw(plans)
    invoices: list[ModelInvoice] = []
    customers = [sp.new_id("cus") for _ in range(draw(st.integers(1, 2)))]
    for customer in customers:
        one_off = draw(st.booleans())
        self_purchase = draw(st.sampled_from([False, False, True]))  # the partner buying through its own link
        subscription = sp.new_id("sub")
        for number in range(1 if one_off else draw(st.integers(1, 3))):
            amount = draw(st.integers(1, 30_000))
            refunds: list[int] = []
            left = amount
            for _ in range(draw(st.integers(0, 2))):
                if left <= 0:
                    break
                part = draw(st.integers(1, left))
                refunds.append(part)
                left -= part
            invoices.append(
                ModelInvoice(
                    invoice_id=sp.new_id("cs_test" if one_off else "in"),
                    customer=customer,
                    subscription="" if one_off else subscription,
                    amount=amount,
                    tax=draw(st.integers(0, amount // 5)),
                    renewal=number > 0,
                    refunds=tuple(refunds),
                    dispute=draw(st.sampled_from([None, None, "open", "won", "lost"])),
                    one_off=one_off,
                    self_purchase=self_purchase,
                )
            )
    return plan, invoices, customers


def events_for(
    invoices: list[ModelInvoice], customers: list[str], token: str, partner_email: str
) -> list[tuple[tuple[str, str] | None, dict[str, Any]]]:
    """Every Stripe event of the history, tagged ("checkout", customer) / ("invoice", id) for the model."""
    out: list[tuple[tuple[str, str] | None, dict[str, Any]]] = []
    one_offs = {i.customer: i for i in invoices if i.one_off}
    self_buyers = {i.customer for i in invoices if i.self_purchase}
    for customer in customers:
        sale = one_offs.get(customer)
        email = partner_email if customer in self_buyers else "buyer@customer.example"
        if sale is None:
            session = sp.checkout_session(
                customer=customer, client_reference_id=token, subscription="sub_x", email=email
            )
        else:
            session = sp.checkout_session(
                customer=customer,
                email=email,
                client_reference_id=token,
                mode="payment",
                amount_total=sale.amount,
                amount_tax=sale.tax,
                payment_intent=f"pi_{sale.invoice_id}",
                session_id=sale.invoice_id,
            )
        out.append((("checkout", customer), sp.event("checkout.session.completed", session)))
    for inv in invoices:
        pi = f"pi_{inv.invoice_id}"
        if not inv.one_off:
            body = sp.invoice(
                customer=inv.customer,
                subscription=inv.subscription,
                amount_paid=inv.amount,
                tax=inv.tax,
                billing_reason="subscription_cycle" if inv.renewal else "subscription_create",
                invoice_id=inv.invoice_id,
            )
            out.append((("invoice", inv.invoice_id), sp.event("invoice.paid", body)))
            link = sp.invoice_payment(invoice_id=inv.invoice_id, payment_intent=pi, amount=inv.amount)
            out.append((None, sp.event("invoice_payment.paid", link)))
        for amount in inv.refunds:
            out.append((None, sp.event("refund.created", sp.refund(payment_intent=pi, amount=amount))))
        if inv.refunds:
            charge = sp.charge(payment_intent=pi, amount=inv.amount, amount_refunded=sum(inv.refunds))
            out.append((None, sp.event("charge.refunded", charge)))
        if inv.dispute:
            dp = sp.new_id("dp")
            opened = sp.dispute(payment_intent=pi, status="needs_response", dispute_id=dp, amount=inv.amount)
            out.append((None, sp.event("charge.dispute.created", opened)))
            if inv.dispute != "open":
                closed = sp.dispute(payment_intent=pi, status=inv.dispute, dispute_id=dp, amount=inv.amount)
                out.append((None, sp.event("charge.dispute.closed", closed)))
    for customer in customers:
        if customer in one_offs:
            continue
        sub = next(i.subscription for i in invoices if i.customer == customer)
        out.append(
            (
                None,
                sp.event("customer.subscription.deleted", sp.subscription_deleted(subscription=sub, customer=customer)),
            )
        )
    return out


@pytest.fixture
def program(api: ApiClient) -> None:
    given_program(api)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(history=histories(), data=st.data())
def test_stored_ledger_equals_the_model(
    api: ApiClient, ctx: AppContext, program: None, history: Any, data: st.DataObject
) -> None:
    plan, invoices, customers = history
    # Given a partner on the drawn plan, and a click on its link
    plan_body: dict[str, Any] = {"sale_rate": str(plan.sale_rate)}
    if plan.tier_threshold is not None:
        plan_body["tiers"] = [{"threshold": plan.tier_threshold, "rate": str(plan.tier_rate)}]
    if plan.first_sale_flat:
        plan_body["first_sale_flat"] = {"amount": plan.first_sale_flat, "currency": "USD"}
    if plan.renewal_bonus:
        plan_body["renewal_bonus"] = {"amount": plan.renewal_bonus, "currency": "USD"}
    if plan.revenue_bonus_threshold is not None:
        plan_body["revenue_bonus"] = {
            "threshold": {"amount": plan.revenue_bonus_threshold, "currency": "USD"},
            "bonus": {"amount": plan.revenue_bonus, "currency": "USD"},
        }
    if plan.max_invoices is not None:
        plan_body.update(recurring_scope="invoices", recurring_count=plan.max_invoices)
    stored_plan = given_plan(api, **plan_body)
    partner = given_partner(api, email=f"{sp.new_id('p')}@partner.example", plan_id=stored_plan["plan_id"])
    link = given_link(api, partner["partner_id"])
    token = click_token.issue("test-click-token-secret", link["code"], partner["partner_id"], CLICKED_AT)

    # When Stripe delivers every event, shuffled, some twice, some twice at the same time
    events = data.draw(
        st.permutations(events_for(invoices, customers, token, partner["email"])), label="delivery order"
    )
    schedule: list[tuple[int, bool]] = [(i, False) for i in range(len(events))]
    for index in data.draw(st.lists(st.integers(0, len(events) - 1), max_size=4), label="duplicates"):
        if data.draw(st.booleans(), label="concurrent"):
            schedule.append((index, True))  # delivered twice at once, at the end
        else:
            schedule.insert(data.draw(st.integers(index + 1, len(schedule))), (index, False))
    order: list[tuple[str, str]] = []
    for index, concurrent in schedule:
        tag, stripe_event = events[index]
        if concurrent:
            with ThreadPoolExecutor(2) as pool:
                statuses = list(pool.map(lambda n, e=stripe_event: deliver(api, e, container=n).status, range(2)))
        else:
            statuses = [deliver(api, stripe_event).status]
        assert set(statuses) == {200}
        if tag:
            order.append(tag)

    # Then the ledger is the model's, to the cent
    model = expected_ledger(plan, order, {i.invoice_id: i for i in invoices}, ctx.clock.now())
    stored = ctx.commissions.all_for_partner(partner["partner_id"])
    originals = {e.commission_id: e for e in stored if e.reverses is None}
    actual: dict[tuple[str, str], tuple[int, int, bool, frozenset[bool], bool]] = {}
    for entry in originals.values():
        reversals = [r for r in stored if r.reverses == entry.commission_id]
        actual[(str(entry.source.invoice_id or entry.source.checkout_session_id), entry.rule)] = (
            entry.amount.amount,
            -sum(r.amount.amount for r in reversals),
            entry.status.value == "held",
            frozenset(r.status.value == "held" for r in reversals),  # a reversal follows its original's hold
            entry.status.value == "needs_review",
        )
    expected = {key: (e.amount, e.reversed, e.held, e.reversal_states, e.in_review) for key, e in model.entries.items()}
    assert actual == expected
    assert sum(e.amount.amount for e in stored) == model.balance()
    assert all(r.amount.amount < 0 for r in stored if r.reverses)
    # And the balance aggregates are the sums of the stored entries, also after what an admin and the
    # payout run do next
    assert_aggregates_are_the_sums(ctx, partner["partner_id"])
    admin_and_payout_run_keep_the_aggregates(api, ctx, partner["partner_id"], stored, data)


def admin_and_payout_run_keep_the_aggregates(
    api: ApiClient, ctx: AppContext, partner_id: str, stored: list[Commission], data: st.DataObject
) -> None:
    """Staff approve or reject a flagged entry and may add an adjustment (+, -, or a zero gift), an admin approves one entry early and voids another, then the
    payout run claims what is payable: the aggregates stay the sums of the entries after each step; a
    rejected entry is never paid."""
    flagged = [e for e in stored if e.reverses is None and e.status.value == "needs_review"]
    if flagged:
        chosen = data.draw(st.sampled_from(flagged), label="reviewed")
        decision = data.draw(st.sampled_from(["approve", "reject"]), label="review decision")
        response = api.post(
            f"/admin/review/{partner_id}/{chosen.commission_id}/{decision}", json={"reason": "checked"}, headers=ADMIN
        )
        assert response.status == 200, response.body
        assert_aggregates_are_the_sums(ctx, partner_id)
        stored = ctx.commissions.all_for_partner(partner_id)
    adjustment = data.draw(st.none() | st.integers(-5_000, 5_000), label="staff adjustment")
    if adjustment is not None:
        body = {"amount": adjustment, "currency": "USD", "reason": "property", "description": "a gift"}
        response = api.post(f"/admin/partners/{partner_id}/adjustments", json=body, headers=ADMIN)
        assert response.status == 201, response.body
        assert_aggregates_are_the_sums(ctx, partner_id)
        stored = ctx.commissions.all_for_partner(partner_id)
    unpaid = [e for e in stored if e.payout_id is None and e.status.value in ("pending", "approved")]
    if unpaid and data.draw(st.booleans(), label="approve one early"):
        chosen = data.draw(st.sampled_from(unpaid), label="approved")
        assert api.post(f"/admin/commissions/{partner_id}/{chosen.commission_id}/approve", headers=ADMIN).status == 200
    voidable = [e for e in stored if e.reverses is None and e.payout_id is None and e.status.value != "voided"]
    if voidable and data.draw(st.booleans(), label="void one"):
        chosen = data.draw(st.sampled_from(voidable), label="voided")
        response = api.post(
            f"/admin/commissions/{partner_id}/{chosen.commission_id}/void", json={"reason": "test"}, headers=ADMIN
        )
        assert response.status == 200, response.body
    assert_aggregates_are_the_sums(ctx, partner_id)
    if data.draw(st.booleans(), label="payout run"):
        method = {"kind": "paypal", "reference": "ada@pay.example"}
        assert api.put(f"/admin/partners/{partner_id}/payout-method", json=method, headers=ADMIN).status == 200
        # October's run on 2 November (entries still in their hold stay unpaid), or December's on 1 January
        clock = ctx.clock
        assert isinstance(clock, FixedClock)
        started = clock.now()
        days = data.draw(st.sampled_from([0, 60]), label="days until the run")
        clock.advance(days=days)
        try:
            PayoutRun(ctx, None).run("2026-10" if days == 0 else "2026-12")
            # Then whatever was claimed moved from unpaid to paid, to the cent
            assert_aggregates_are_the_sums(ctx, partner_id)
        finally:
            clock.set(started)  # the examples share the clock (and the table)


def assert_aggregates_are_the_sums(ctx: AppContext, partner_id: str) -> None:
    """The stored totals per currency are the sums of the stored entries per state, and the balances the
    partner reads are the entry-by-entry ones (tests/model)."""
    entries = ctx.commissions.all_for_partner(partner_id)
    totals, _ = ctx.commissions.balance_items(partner_id, "0000-00-00", consistent=True)
    stored = {t.currency: {name: getattr(t, name) for name in BalanceTotals.SUMS} for t in totals}
    assert stored == expected_totals(entries)
    assert commissions.balances(ctx, partner_id) == expected_balances(entries, ctx.clock.now())
