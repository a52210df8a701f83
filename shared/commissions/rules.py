"""The commission rules, pure: what a paid sale earns under a plan, and what its refunds and disputes take back.

No I/O here: the webhook service reads the state, asks these functions what the ledger must hold, and writes
the difference in one transaction. Every amount goes through Money.times_rate / Money.prorate (the one
rounding rule, half up).

Definitions (docs/commissions.md repeats them):
- net amount of a sale = amount paid minus tax; lifetime referred revenue = sum of net amounts of the
  partner's referred sales in one currency (refunds do not lower it: tiers and bonuses are never clawed back).
- tiers: the rate is the one of the highest tier whose threshold the metric reaches INCLUDING this sale
  (revenue after it, or customers counting this customer), so the commission that crosses a tier already
  earns the new rate; below the first tier the plan's sale_rate applies.
- recurring scope counts the customer's paid sales: first_payment (the 1st only), invoices N (the first N),
  months N (paid before first payment + N calendar months), lifetime.
- cancellation: an invoice of a subscription paid after its cancellation earns no revenue share.
- first_sale_flat: on the customer's first paid sale. renewal_bonus: once per subscription, on its first
  renewal invoice (billing_reason subscription_cycle). revenue_bonus: once, on the sale that makes lifetime
  revenue in the bonus currency reach the threshold.
- refunds: every entry of the sale except the revenue bonus is taken back in proportion; cumulative target
  reversal = prorate(entry, refunded_total, amount_paid), written as the difference to what is reversed.
  A lost dispute takes back everything that is left.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.commissions.models import BalanceTotals, Commission, EntryState, ReleaseDay
from shared.core.money import Money
from shared.programs.models import CommissionPlan, RecurringScope, TierMetric

RULE_FIRST_SALE = "first_sale_flat"
RULE_SALE_RATE = "sale_rate"
RULE_RENEWAL_BONUS = "renewal_bonus"
RULE_REVENUE_BONUS = "revenue_bonus"
# Entries a refund or lost dispute takes back in proportion (a crossed revenue milestone stays crossed).
REVERSIBLE_RULES = frozenset({RULE_FIRST_SALE, RULE_SALE_RATE, RULE_RENEWAL_BONUS})


def payable_from(earned_at: datetime, hold_period_days: int) -> datetime:
    """When an entry earned at `earned_at` clears the program's hold period and may be paid out."""
    return earned_at + timedelta(days=hold_period_days)


DISPUTE_CLOSED_RELEASED = frozenset({"won", "warning_closed", "prevented"})
DISPUTE_LOST = "lost"


@dataclass(frozen=True)
class PaidSale:
    """A paid sale of a referred customer, as the ledger needs it."""

    sale_id: str
    customer_id: str
    amount_paid: Money  # what the customer paid, tax included: the base refunds are measured against
    net: Money  # amount paid minus tax: the base of rates, tiers and bonuses
    paid_at: datetime
    subscription_id: str | None = None
    billing_reason: str | None = None  # invoices: subscription_create, subscription_cycle, ...


@dataclass(frozen=True)
class CustomerHistory:
    """What earlier sales of this customer left behind (from the customer's attribution item)."""

    paid_sales: int = 0
    first_paid_at: datetime | None = None
    renewed_subscriptions: frozenset[str] = frozenset()
    cancelled_subscriptions: Mapping[str, datetime] = field(default_factory=dict)  # id -> cancelled at


@dataclass(frozen=True)
class PartnerTotals:
    """The partner's lifetime referred revenue per currency, referred customers, bonuses already paid."""

    revenue: Mapping[str, int] = field(default_factory=dict)
    customers: int = 0
    bonuses_paid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class EarnedEntry:
    """One commission a sale earns: rule name and amount (the id is derived from the sale and the rule)."""

    rule: str
    amount: Money


@dataclass(frozen=True)
class SaleEvaluation:
    """What a sale earns, and the customer history and partner totals after it."""

    entries: tuple[EarnedEntry, ...]
    history: CustomerHistory
    totals: PartnerTotals
    unpriced: tuple[str, ...] = ()  # flat rules that applied but name no amount in the sale's currency


def flat_amount(primary: Money | None, others: Iterable[Money], currency: str) -> tuple[Money | None, bool]:
    """(the plan's flat amount in `currency` or None, and whether the plan names flat amounts for this rule
    but none in `currency`: the sale then earns none of it and is flagged, never converted)."""
    named = [m for m in (primary, *others) if m is not None]
    for amount in named:
        if amount.currency == currency:
            return amount, False
    return None, bool(named)


def add_months(moment: datetime, months: int) -> datetime:
    """The same instant `months` calendar months later (the 31st becomes the month's last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def in_recurring_scope(plan: CommissionPlan, sale_number: int, first_paid_at: datetime, paid_at: datetime) -> bool:
    """Whether the customer's `sale_number`-th paid sale (1-based) still earns the revenue share."""
    if plan.recurring_scope is RecurringScope.FIRST_PAYMENT:
        return sale_number == 1
    if plan.recurring_scope is RecurringScope.INVOICES:
        return sale_number <= (plan.recurring_count or 1)
    if plan.recurring_scope is RecurringScope.MONTHS:
        return paid_at < add_months(first_paid_at, plan.recurring_count or 1)
    return True


def tier_rate(plan: CommissionPlan, revenue_after: int, customers_after: int) -> Decimal | None:
    """The rate of the highest tier reached (metric counted after this sale), else the plan's sale_rate."""
    metric = customers_after if plan.tier_metric is TierMetric.CUSTOMERS else revenue_after
    reached = [tier for tier in plan.tiers if metric >= tier.threshold]
    if reached:
        return max(reached, key=lambda tier: tier.threshold).rate
    return plan.sale_rate


def evaluate_sale(
    plan: CommissionPlan | None, sale: PaidSale, history: CustomerHistory, totals: PartnerTotals
) -> SaleEvaluation:
    """What the sale earns under the plan, and the history/totals to store after it (even with no plan)."""
    currency = sale.net.currency
    first_sale = history.paid_sales == 0
    first_paid_at = sale.paid_at if history.first_paid_at is None else history.first_paid_at
    revenue_before = totals.revenue.get(currency, 0)
    revenue_after = revenue_before + sale.net.amount
    customers_after = totals.customers + (1 if first_sale else 0)
    entries: list[EarnedEntry] = []
    bonuses_paid = set(totals.bonuses_paid)
    renewed = set(history.renewed_subscriptions)
    unpriced: list[str] = []

    if plan is not None:
        first_flat, first_unpriced = flat_amount(plan.first_sale_flat, plan.first_sale_flats, currency)
        if first_sale and first_flat is not None:
            entries.append(EarnedEntry(RULE_FIRST_SALE, first_flat))
        elif first_sale and first_unpriced:
            unpriced.append(RULE_FIRST_SALE)
        rate = tier_rate(plan, revenue_after, customers_after)
        cancelled_at = history.cancelled_subscriptions.get(sale.subscription_id or "")
        # A cancelled subscription stops the revenue share: an invoice paid after the cancellation (a final
        # proration, say) earns nothing; one paid before it still does, even if delivered after it. (An
        # invoice applied before a late cancellation event keeps its commission: nothing is clawed back.)
        ended = cancelled_at is not None and sale.paid_at > cancelled_at
        if (
            rate is not None
            and not ended
            and in_recurring_scope(plan, history.paid_sales + 1, first_paid_at, sale.paid_at)
        ):
            entries.append(EarnedEntry(RULE_SALE_RATE, sale.net.times_rate(rate)))
        renewal_flat, renewal_unpriced = flat_amount(plan.renewal_bonus, plan.renewal_bonuses, currency)
        if (
            (renewal_flat is not None or renewal_unpriced)
            and sale.billing_reason == "subscription_cycle"
            and sale.subscription_id is not None
            and sale.subscription_id not in renewed
        ):
            if renewal_flat is not None:
                entries.append(EarnedEntry(RULE_RENEWAL_BONUS, renewal_flat))
                renewed.add(sale.subscription_id)
            else:
                unpriced.append(RULE_RENEWAL_BONUS)
        bonus = plan.revenue_bonus
        bonus_flag = f"{RULE_REVENUE_BONUS}:{plan.plan_id}:{currency}"
        if (
            bonus is not None
            and bonus.threshold.currency == currency
            and bonus_flag not in bonuses_paid
            and revenue_before < bonus.threshold.amount <= revenue_after
        ):
            entries.append(EarnedEntry(RULE_REVENUE_BONUS, bonus.bonus))
            bonuses_paid.add(bonus_flag)

    return SaleEvaluation(
        entries=tuple(e for e in entries if e.amount.amount > 0),
        history=CustomerHistory(
            paid_sales=history.paid_sales + 1,
            first_paid_at=first_paid_at,
            renewed_subscriptions=frozenset(renewed),
            cancelled_subscriptions=history.cancelled_subscriptions,
        ),
        totals=PartnerTotals(
            revenue={**totals.revenue, currency: revenue_after},
            customers=customers_after,
            bonuses_paid=frozenset(bonuses_paid),
        ),
        unpriced=tuple(unpriced),
    )


@dataclass(frozen=True)
class PaymentOutcome:
    """What Stripe says happened to the money after it was paid: refunds and disputes."""

    refunded: int = 0  # cumulative, minor units
    dispute_open: bool = False
    dispute_lost: bool = False


def payment_outcome(
    refunds: Mapping[str, int], charge_refunded: int, disputes: Mapping[str, str], amount_paid: int
) -> PaymentOutcome:
    """Fold refund and dispute facts into one outcome. Refund objects and a charge's cumulative
    amount_refunded describe the same money, so the larger wins (never their sum); capped at the amount paid.
    """
    refunded = min(max(sum(refunds.values()), charge_refunded), amount_paid)
    statuses = set(disputes.values())
    lost = DISPUTE_LOST in statuses
    open_ = any(s != DISPUTE_LOST and s not in DISPUTE_CLOSED_RELEASED for s in statuses)
    return PaymentOutcome(refunded=refunded, dispute_open=open_ and not lost, dispute_lost=lost)


def reversal_target(entry_amount: Money, outcome: PaymentOutcome, amount_paid: int) -> Money:
    """How much of a reversible entry must be taken back in total: all of it after a lost dispute, else the
    refunded share (cumulative, rounded once, so partial refunds add up and never exceed the entry)."""
    if outcome.dispute_lost:
        return entry_amount
    if amount_paid <= 0:
        return Money.zero(entry_amount.currency)
    return entry_amount.prorate(outcome.refunded, amount_paid)


def reversals_due(
    entries: Iterable[tuple[str, str, Money]],
    reversed_so_far: Mapping[str, int],
    outcome: PaymentOutcome,
    amount_paid: int,
) -> list[tuple[str, Money]]:
    """(commission_id, negative amount) to append for each (commission_id, rule, amount) entry of a sale,
    given what its reversals already take back. Never positive: a reversal is never undone."""
    due = []
    for commission_id, rule, amount in entries:
        if rule not in REVERSIBLE_RULES:
            continue
        target = reversal_target(amount, outcome, amount_paid).amount
        missing = target - reversed_so_far.get(commission_id, 0)
        if missing > 0:
            due.append((commission_id, Money.of(-missing, amount.currency)))
    return due


# ---------------------------------------------------------------- balances
# A partner's balance per currency (docs/commissions.md "Balances"):
#   unpaid   = sum of entries pending or approved and not claimed by a payout (what the next payouts owe)
#   pending  = the part of unpaid whose available_at is after now (still in its hold period)
#   approved = unpaid - pending (payable now)
#   held     = sum of disputed entries;  paid = sum of entries claimed by a payout;  voided entries count nowhere.
# The stored aggregates (BalanceTotals per currency, ReleaseDay per currency and day) make this a read of a
# few small items: totals are time-independent; pending is the sum of what releases after now, which only
# the release items of minutes still to come can tell.


@dataclass(frozen=True)
class EntryPosition:
    """What one entry contributes to its partner's balance: amount, state, and when it becomes payable
    (None when only known to be payable already, e.g. a claim of an entry planned as released)."""

    partner_id: str
    currency: str
    amount: int
    state: EntryState
    available_at: datetime | None


def position_of(entry: Commission) -> EntryPosition:
    """An entry's contribution to the balance."""
    return EntryPosition(entry.partner_id, entry.amount.currency, entry.amount.amount, entry.state, entry.available_at)


def release_minute(moment: datetime) -> datetime:
    """The UTC minute a moment falls in (the granularity of the release items)."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def in_release_items(available_at: datetime | None, now: datetime) -> bool:
    """Whether an unpaid entry with this available_at is counted in the release items by a writer at `now`:
    only from the current minute on (earlier minutes are approved whatever the items say)."""
    return available_at is not None and release_minute(available_at) >= release_minute(now)


@dataclass
class TotalsDelta:
    """What one write ADDs to a partner's totals in one currency."""

    unpaid: int = 0
    held: int = 0
    paid: int = 0
    voided: int = 0
    live_entries: int = 0
    in_review: int = 0

    def add(self, state: EntryState, amount: int, sign: int) -> None:
        """Count (sign +1) or uncount (-1) an amount in a state."""
        setattr(self, state.value, getattr(self, state.value) + sign * amount)
        if state is not EntryState.VOIDED:
            self.live_entries += sign


@dataclass
class BalanceDelta:
    """Every ADD one write makes to the balance aggregates: per (partner, currency) totals, and per
    (partner, currency, day) the amount and count per release minute ("HHMM")."""

    totals: dict[tuple[str, str], TotalsDelta] = field(default_factory=dict)
    releases: dict[tuple[str, str, str], dict[str, tuple[int, int]]] = field(default_factory=dict)

    def release(self, position: EntryPosition, sign: int) -> None:
        """Count or uncount an unpaid entry in the release minute of its available_at."""
        assert position.available_at is not None
        moment = release_minute(position.available_at)
        key = (position.partner_id, position.currency, moment.strftime("%Y-%m-%d"))
        minutes = self.releases.setdefault(key, {})
        amount, count = minutes.get(moment.strftime("%H%M"), (0, 0))
        minutes[moment.strftime("%H%M")] = (amount + sign * position.amount, count + sign)


def balance_delta(moves: Iterable[tuple[EntryPosition | None, EntryPosition | None]], now: datetime) -> BalanceDelta:
    """The aggregate updates of a write that moves entries from one position to another (None before: a
    new entry). Every currency touched gets a totals update (its version moves even if the sums net to zero);
    release minutes that net to nothing are left out."""
    delta = BalanceDelta()
    for before, after in moves:
        for position, sign in ((before, -1), (after, 1)):
            if position is None:
                continue
            delta.totals.setdefault((position.partner_id, position.currency), TotalsDelta()).add(
                position.state, position.amount, sign
            )
            if position.state is EntryState.UNPAID and in_release_items(position.available_at, now):
                delta.release(position, sign)
    for day_key, minutes in list(delta.releases.items()):
        kept = {minute: change for minute, change in minutes.items() if change != (0, 0)}
        if kept:
            delta.releases[day_key] = kept
        else:
            del delta.releases[day_key]
    return delta


def releasing_in_current_minute(days: Iterable[ReleaseDay], now: datetime) -> bool:
    """Whether some unpaid entry may release later in the current minute: then only the entries themselves
    can split that minute into pending and approved (one small Query)."""
    current = release_minute(now)
    day, minute = current.strftime("%Y-%m-%d"), current.strftime("%H%M")
    return any(d.day == day and d.minutes.get(minute, (0, 0))[1] > 0 for d in days)


def balance_view(
    totals: Iterable[BalanceTotals],
    days: Iterable[ReleaseDay],
    now: datetime,
    pending_in_current_minute: Mapping[str, int] | None = None,
) -> dict[str, dict[str, int]]:
    """Per currency (with at least one entry that is not voided): pending, approved, held, paid, unpaid,
    in_review (flagged entries waiting for staff).
    `pending_in_current_minute`: per currency, the unpaid entries available after `now` within its minute."""
    current = release_minute(now)
    pending: dict[str, int] = dict(pending_in_current_minute or {})
    for day in days:
        for minute, (amount, _) in day.minutes.items():
            moment = datetime.strptime(f"{day.day}{minute}", "%Y-%m-%d%H%M").replace(tzinfo=UTC)
            if moment > current:
                pending[day.currency] = pending.get(day.currency, 0) + amount
    result: dict[str, dict[str, int]] = {}
    for total in sorted(totals, key=lambda t: t.currency):
        if total.live_entries <= 0:
            continue
        waiting = pending.get(total.currency, 0)
        result[total.currency] = {
            "pending": waiting,
            "approved": total.unpaid - waiting,
            "held": total.held,
            "paid": total.paid,
            "unpaid": total.unpaid,
            "in_review": total.in_review,
        }
    return result


def aggregates_of(entries: Iterable[Commission], now: datetime) -> tuple[list[BalanceTotals], list[ReleaseDay]]:
    """The balance aggregates a partner's whole ledger adds up to at `now` (the rebuild writes them)."""
    delta = balance_delta(((None, position_of(e)) for e in entries), now)
    totals = [
        BalanceTotals(partner_id, currency, **vars(sums)) for (partner_id, currency), sums in delta.totals.items()
    ]
    days = [ReleaseDay(p, currency, day, minutes) for (p, currency, day), minutes in delta.releases.items()]
    return totals, days


def review_threshold_reason(earned: Iterable[Money], threshold_of: Callable[[str], int | None]) -> str | None:
    """Why a sale's commissions wait in review: their total in a currency is above the program's threshold
    for it (at the threshold is fine); None otherwise."""
    totals: dict[str, int] = {}
    for amount in earned:
        totals[amount.currency] = totals.get(amount.currency, 0) + amount.amount
    for currency, total in sorted(totals.items()):
        threshold = threshold_of(currency)
        if threshold is not None and total > threshold:
            return f"above the review threshold: {total} > {threshold} {currency} (minor units)"
    return None
