"""The commission rules, without a database: rates, recurring scope, tiers, bonuses, refunds, disputes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.commissions import rules as ledger
from shared.core.money import Money
from shared.programs.models import CommissionPlan, RecurringScope, ThresholdBonus, Tier, TierMetric

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def plan(**fields: Any) -> CommissionPlan:
    return CommissionPlan(plan_id="p", program_id="default", name="Plan", created_at=T0, **fields)


def sale(
    net: int,
    *,
    gross: int | None = None,
    paid_at: datetime = T0,
    reason: str = "subscription_create",
    sale_id: str = "in_1",
) -> ledger.PaidSale:
    return ledger.PaidSale(
        sale_id=sale_id,
        customer_id="cus_1",
        amount_paid=Money.of(gross or net, "USD"),
        net=Money.of(net, "USD"),
        paid_at=paid_at,
        subscription_id="sub_1",
        billing_reason=reason,
    )


def earned(result: ledger.SaleEvaluation) -> dict[str, int]:
    return {e.rule: e.amount.amount for e in result.entries}


def test_sale_rate_is_a_share_of_the_amount_excluding_tax_rounded_half_up() -> None:
    result = ledger.evaluate_sale(
        plan(sale_rate=Decimal("0.2")), sale(2_0003), ledger.CustomerHistory(), ledger.PartnerTotals()
    )
    assert earned(result) == {"sale_rate": 4001}  # 4000.6 -> 4001
    assert earned(
        ledger.evaluate_sale(plan(sale_rate=Decimal("0.5")), sale(5), ledger.CustomerHistory(), ledger.PartnerTotals())
    ) == {"sale_rate": 3}  # 2.5 -> 3


def test_first_sale_flat_only_on_the_customers_first_paid_sale() -> None:
    terms = plan(first_sale_flat=Money.of(5000, "USD"))
    first = ledger.evaluate_sale(terms, sale(100), ledger.CustomerHistory(), ledger.PartnerTotals())
    second = ledger.evaluate_sale(terms, sale(100), first.history, first.totals)
    assert earned(first) == {"first_sale_flat": 5000} and earned(second) == {}
    assert second.totals.customers == 1 and second.totals.revenue == {"USD": 200}


def test_recurring_scope_invoices_and_first_payment() -> None:
    three = plan(sale_rate=Decimal("0.1"), recurring_scope=RecurringScope.INVOICES, recurring_count=3)
    history, totals, amounts = ledger.CustomerHistory(), ledger.PartnerTotals(), []
    for _ in range(5):
        result = ledger.evaluate_sale(three, sale(1000), history, totals)
        history, totals = result.history, result.totals
        amounts.append(earned(result).get("sale_rate", 0))
    assert amounts == [100, 100, 100, 0, 0]
    assert ledger.in_recurring_scope(plan(recurring_scope=RecurringScope.FIRST_PAYMENT), 2, T0, T0) is False


def test_recurring_scope_months_counts_calendar_months_from_the_first_payment() -> None:
    twelve = plan(sale_rate=Decimal("0.1"), recurring_scope=RecurringScope.MONTHS, recurring_count=1)
    # First payment on Jan 31: one month runs to Feb 28 (the month's last day), exclusive
    assert ledger.add_months(T0, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert ledger.in_recurring_scope(twelve, 2, T0, datetime(2026, 2, 28, 11, 59, tzinfo=UTC))
    assert not ledger.in_recurring_scope(twelve, 2, T0, datetime(2026, 2, 28, 12, 0, tzinfo=UTC))
    assert ledger.add_months(datetime(2026, 11, 15, tzinfo=UTC), 14) == datetime(2028, 1, 15, tzinfo=UTC)


def test_a_revenue_tier_applies_from_the_commission_that_crosses_it() -> None:
    tiered = plan(
        sale_rate=Decimal("0.1"),
        tiers=[Tier(threshold=10_000, rate=Decimal("0.2")), Tier(threshold=50_000, rate=Decimal("0.3"))],
    )
    totals = ledger.PartnerTotals(revenue={"USD": 9_000})
    crossing = ledger.evaluate_sale(tiered, sale(1_000), ledger.CustomerHistory(), totals)  # reaches 10 000
    below = ledger.evaluate_sale(tiered, sale(999), ledger.CustomerHistory(), totals)  # 9 999
    assert earned(crossing) == {"sale_rate": 200} and earned(below) == {"sale_rate": 100}
    top = ledger.evaluate_sale(
        tiered, sale(100), ledger.CustomerHistory(), ledger.PartnerTotals(revenue={"USD": 60_000})
    )
    assert earned(top) == {"sale_rate": 30}


def test_revenue_in_another_currency_does_not_reach_a_tier() -> None:
    tiered = plan(sale_rate=Decimal("0.1"), tiers=[Tier(threshold=1_000, rate=Decimal("0.5"))])
    result = ledger.evaluate_sale(
        tiered, sale(100), ledger.CustomerHistory(), ledger.PartnerTotals(revenue={"EUR": 5000})
    )
    assert earned(result) == {"sale_rate": 10}


def test_customer_tiers_count_this_customer() -> None:
    tiered = plan(
        sale_rate=Decimal("0.1"), tier_metric=TierMetric.CUSTOMERS, tiers=[Tier(threshold=3, rate=Decimal("0.25"))]
    )
    third = ledger.evaluate_sale(tiered, sale(1000), ledger.CustomerHistory(), ledger.PartnerTotals(customers=2))
    assert earned(third) == {"sale_rate": 250} and third.totals.customers == 3
    repeat = ledger.evaluate_sale(
        tiered, sale(1000), ledger.CustomerHistory(paid_sales=1, first_paid_at=T0), ledger.PartnerTotals(customers=2)
    )
    assert earned(repeat) == {"sale_rate": 100}


def test_revenue_bonus_once_when_the_threshold_is_passed() -> None:
    bonus = plan(revenue_bonus=ThresholdBonus(threshold=Money.of(10_000, "USD"), bonus=Money.of(2_500, "USD")))
    crossing = ledger.evaluate_sale(
        bonus, sale(6_000), ledger.CustomerHistory(), ledger.PartnerTotals(revenue={"USD": 5_000})
    )
    again = ledger.evaluate_sale(bonus, sale(6_000), crossing.history, crossing.totals)
    assert earned(crossing) == {"revenue_bonus": 2_500} and earned(again) == {}


def test_renewal_bonus_once_per_subscription_on_its_first_renewal() -> None:
    renewal = plan(renewal_bonus=Money.of(700, "USD"))
    first = ledger.evaluate_sale(renewal, sale(100), ledger.CustomerHistory(), ledger.PartnerTotals())
    cycle = ledger.evaluate_sale(renewal, sale(100, reason="subscription_cycle"), first.history, first.totals)
    cycle2 = ledger.evaluate_sale(renewal, sale(100, reason="subscription_cycle"), cycle.history, cycle.totals)
    assert (earned(first), earned(cycle), earned(cycle2)) == ({}, {"renewal_bonus": 700}, {})


def test_no_plan_earns_nothing_but_still_counts_revenue() -> None:
    result = ledger.evaluate_sale(None, sale(100), ledger.CustomerHistory(), ledger.PartnerTotals())
    assert result.entries == () and result.totals.revenue == {"USD": 100}


def test_refunds_count_once_whether_told_by_refunds_or_by_the_charge() -> None:
    outcome = ledger.payment_outcome({"re_1": 300, "re_2": 200}, 500, {}, 1000)
    assert outcome.refunded == 500
    assert ledger.payment_outcome({"re_1": 900, "re_2": 900}, 0, {}, 1000).refunded == 1000


def test_dispute_states() -> None:
    assert ledger.payment_outcome({}, 0, {"dp": "needs_response"}, 10).dispute_open
    assert not ledger.payment_outcome({}, 0, {"dp": "won"}, 10).dispute_open
    lost = ledger.payment_outcome({}, 0, {"dp": "lost", "dp2": "needs_response"}, 10)
    assert lost.dispute_lost and not lost.dispute_open


def test_a_lost_dispute_takes_back_what_refunds_left() -> None:
    entries = [("com_a", "sale_rate", Money.of(2000, "USD")), ("com_b", "revenue_bonus", Money.of(999, "USD"))]
    lost = ledger.PaymentOutcome(refunded=5000, dispute_lost=True)
    assert ledger.reversals_due(entries, {"com_a": 1000}, lost, 10_000) == [("com_a", Money.of(-1000, "USD"))]


@given(
    commission=st.integers(1, 1_000_000),
    paid=st.integers(1, 1_000_000),
    cuts=st.lists(st.integers(1, 1_000_000), max_size=6),
)
def test_partial_refunds_add_up_to_the_share_and_never_exceed_the_commission(
    commission: int, paid: int, cuts: list[int]
) -> None:
    # Given a commission and a sequence of partial refunds applied one by one
    entries = [("com", "sale_rate", Money.of(commission, "USD"))]
    refunds: dict[str, int] = {}
    reversed_total = 0
    for number, cut in enumerate(cuts):
        refunds[f"re_{number}"] = cut
        outcome = ledger.payment_outcome(refunds, 0, {}, paid)
        for _, amount in ledger.reversals_due(entries, {"com": reversed_total}, outcome, paid):
            assert amount.amount < 0
            reversed_total -= amount.amount
    # Then what is reversed equals the share of the total refunded, rounded once, within the commission
    refunded = min(sum(cuts), paid)
    assert reversed_total == Money.of(commission, "USD").prorate(refunded, paid).amount
    assert 0 <= reversed_total <= commission


def test_an_invoice_paid_after_its_subscription_was_cancelled_earns_no_share() -> None:
    terms = plan(sale_rate=Decimal("0.1"), renewal_bonus=Money.of(100, "USD"))
    history = ledger.CustomerHistory(paid_sales=1, first_paid_at=T0, cancelled_subscriptions={"sub_1": T0})
    late = ledger.evaluate_sale(
        terms, sale(1000, paid_at=datetime(2026, 2, 1, tzinfo=UTC)), history, ledger.PartnerTotals()
    )
    on_time = ledger.evaluate_sale(terms, sale(1000, paid_at=T0), history, ledger.PartnerTotals())
    assert "sale_rate" not in earned(late) and earned(on_time)["sale_rate"] == 100
    assert late.totals.revenue == {"USD": 1000}  # still referred revenue


def test_a_sale_waits_in_review_only_above_its_currencys_threshold() -> None:
    # Given a threshold of $50 in USD and none in EUR
    thresholds = {"USD": 5000}.get
    # Then $50 exactly passes, $50.01 (in two entries) waits, and EUR never does
    assert ledger.review_threshold_reason([Money.of(5000, "USD")], thresholds) is None
    reason = ledger.review_threshold_reason([Money.of(4000, "USD"), Money.of(1001, "USD")], thresholds)
    assert reason == "above the review threshold: 5001 > 5000 USD (minor units)"
    assert ledger.review_threshold_reason([Money.of(10**9, "EUR")], thresholds) is None


def _sale_in(currency: str, reason: str = "subscription_create") -> ledger.PaidSale:
    return ledger.PaidSale(
        sale_id="in_1",
        customer_id="cus_1",
        amount_paid=Money.of(10000, currency),
        net=Money.of(10000, currency),
        paid_at=T0,
        subscription_id="sub_1",
        billing_reason=reason,
    )


def test_a_plan_names_its_flat_amounts_per_currency_and_an_unpriced_currency_earns_nothing_but_is_named() -> None:
    # Given a plan paying $50 or EUR 45 on a first sale, and a $10 or EUR 9 renewal bonus
    terms = plan(
        first_sale_flat=Money.of(5000, "USD"),
        first_sale_flats=[Money.of(4500, "EUR")],
        renewal_bonus=Money.of(1000, "USD"),
        renewal_bonuses=[Money.of(900, "EUR")],
    )
    history, totals = ledger.CustomerHistory(), ledger.PartnerTotals()
    # Then a first sale in EUR earns EUR 45, in USD $50, and in BRL nothing, with both rules named unpriced
    assert earned(ledger.evaluate_sale(terms, _sale_in("EUR"), history, totals)) == {"first_sale_flat": 4500}
    assert earned(ledger.evaluate_sale(terms, _sale_in("USD"), history, totals)) == {"first_sale_flat": 5000}
    brl = ledger.evaluate_sale(terms, _sale_in("BRL"), history, totals)
    assert earned(brl) == {} and brl.unpriced == ("first_sale_flat",)
    renewal = ledger.evaluate_sale(terms, _sale_in("BRL", "subscription_cycle"), brl.history, brl.totals)
    assert renewal.unpriced == ("renewal_bonus",)
    assert earned(ledger.evaluate_sale(terms, _sale_in("EUR", "subscription_cycle"), brl.history, brl.totals)) == {
        "renewal_bonus": 900
    }


def test_a_months_n_revenue_share_expires_after_n_calendar_months() -> None:
    # Given a 1-month revenue share; the first sale on 31 January
    terms = plan(sale_rate=Decimal("0.1"), recurring_scope=RecurringScope.MONTHS, recurring_count=1)
    first = ledger.evaluate_sale(terms, sale(1000), ledger.CustomerHistory(), ledger.PartnerTotals())
    # Then a sale just before 28 February 12:00 earns, one at that instant does not
    before = ledger.evaluate_sale(
        terms, sale(1000, paid_at=datetime(2026, 2, 28, 11, 59, tzinfo=UTC)), first.history, first.totals
    )
    at_end = ledger.evaluate_sale(
        terms, sale(1000, paid_at=datetime(2026, 2, 28, 12, 0, tzinfo=UTC)), first.history, first.totals
    )
    assert earned(first) == {"sale_rate": 100} and earned(before) == {"sale_rate": 100} and earned(at_end) == {}


def test_the_revenue_bonus_is_paid_on_the_sale_landing_exactly_on_its_threshold() -> None:
    terms = plan(revenue_bonus=ThresholdBonus(threshold=Money.of(1000, "USD"), bonus=Money.of(300, "USD")))
    below = ledger.evaluate_sale(terms, sale(999), ledger.CustomerHistory(), ledger.PartnerTotals())
    on = ledger.evaluate_sale(terms, sale(1), below.history, below.totals)
    after = ledger.evaluate_sale(terms, sale(5000), on.history, on.totals)
    assert earned(below) == {} and earned(on) == {"revenue_bonus": 300} and earned(after) == {}


def test_a_one_minor_unit_commission_is_kept() -> None:
    result = ledger.evaluate_sale(
        plan(sale_rate=Decimal("0.1")), sale(10), ledger.CustomerHistory(), ledger.PartnerTotals()
    )
    assert earned(result) == {"sale_rate": 1}


@pytest.mark.parametrize("status", ["won", "warning_closed", "prevented"])
def test_a_dispute_closed_in_the_merchants_favour_releases_the_commission(status: str) -> None:
    outcome = ledger.payment_outcome({}, 0, {"dp_1": status}, 1000)
    assert (outcome.dispute_open, outcome.dispute_lost) == (False, False)
    assert ledger.payment_outcome({}, 0, {"dp_1": "needs_response"}, 1000).dispute_open
    assert ledger.payment_outcome({}, 0, {"dp_1": "lost", "dp_2": "needs_response"}, 1000).dispute_lost


def test_the_revenue_bonus_is_not_paid_again_from_a_revenue_already_at_its_threshold() -> None:
    terms = plan(revenue_bonus=ThresholdBonus(threshold=Money.of(1000, "USD"), bonus=Money.of(300, "USD")))
    at_threshold = ledger.PartnerTotals(revenue={"USD": 1000})
    assert earned(ledger.evaluate_sale(terms, sale(1), ledger.CustomerHistory(), at_threshold)) == {}
    crossed = ledger.evaluate_sale(terms, sale(1000), ledger.CustomerHistory(), ledger.PartnerTotals())
    assert crossed.totals.bonuses_paid == frozenset({"revenue_bonus:p:USD"})


def test_a_zero_commission_writes_no_entry_and_the_history_and_totals_carry_over() -> None:
    cancelled = {"sub_old": T0}
    history = ledger.CustomerHistory(paid_sales=1, first_paid_at=T0, cancelled_subscriptions=cancelled)
    totals = ledger.PartnerTotals(bonuses_paid=frozenset({"revenue_bonus:x:EUR"}))
    result = ledger.evaluate_sale(plan(sale_rate=Decimal("0.1")), sale(4), history, totals)
    assert earned(result) == {}  # 0.4 rounds to 0: no zero entry
    assert result.history.cancelled_subscriptions == cancelled
    assert result.totals.bonuses_paid == frozenset({"revenue_bonus:x:EUR"})


def test_a_scope_without_a_count_means_one() -> None:
    for scope in (RecurringScope.INVOICES, RecurringScope.MONTHS):
        terms = plan(sale_rate=Decimal("0.1"), recurring_scope=scope)
        first = ledger.evaluate_sale(terms, sale(1000), ledger.CustomerHistory(), ledger.PartnerTotals())
        later = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)  # two months after the first sale
        second = ledger.evaluate_sale(terms, sale(1000, paid_at=later), first.history, first.totals)
        assert earned(first) == {"sale_rate": 100} and earned(second) == {}
