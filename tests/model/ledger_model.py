"""A pure reference model of the commission ledger: what a partner's ledger must hold after a set of Stripe
deliveries, and the balances it adds up to, written independently of shared.commissions.rules (only Money's
rounding is shared, on purpose: rounding is written once in the product).

It works on business facts, in the order the handler applies them: a paid invoice counts when first
delivered if its customer is bound, else when the binding checkout arrives (parked invoices in id order);
refunds and disputes are order-free (cumulative targets), so only their final state matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from shared.commissions.models import Commission
from shared.core.money import Money


@dataclass(frozen=True)
class ModelPlan:
    """The plan terms the property test draws."""

    sale_rate: Decimal
    tier_threshold: int | None = None  # revenue (minor units) from which tier_rate applies
    tier_rate: Decimal = Decimal("0")
    first_sale_flat: int = 0
    renewal_bonus: int = 0
    revenue_bonus_threshold: int | None = None
    revenue_bonus: int = 0
    max_invoices: int | None = None  # recurring scope "invoices N"; None = lifetime


@dataclass(frozen=True)
class ModelInvoice:
    """A paid subscription invoice with what later happens to its money."""

    invoice_id: str
    customer: str
    subscription: str
    amount: int
    tax: int
    renewal: bool
    refunds: tuple[int, ...] = ()
    dispute: str | None = None  # None, "open", "won", "lost"
    one_off: bool = False  # a payment-mode Checkout Session (invoice_id is then the session id)
    self_purchase: bool = False  # its customer is the partner itself: its entries wait in review


@dataclass
class ModelEntry:
    """The expected state of one commission: amount, total reversed, held. Its reversals follow it: held
    while it is held (a refund during an open dispute), released or netted with it."""

    amount: int
    reversed: int = 0
    held: bool = False
    in_review: bool = False  # a self-purchase: waits for staff, never held by a dispute meanwhile

    @property
    def reversal_states(self) -> frozenset[bool]:
        """Whether each of its reversal entries is held: {held} when it has any, {} when none."""
        return frozenset({self.held}) if self.reversed else frozenset()


@dataclass
class LedgerModel:
    """Feed it applied sales in order, then ask for the expected ledger."""

    plan: ModelPlan
    currency: str = "USD"
    revenue: int = 0
    customers: set[str] = field(default_factory=set)
    paid_per_customer: dict[str, int] = field(default_factory=dict)
    renewed: set[str] = field(default_factory=set)
    bonus_paid: bool = False
    entries: dict[tuple[str, str], ModelEntry] = field(default_factory=dict)

    def apply_sale(self, invoice: ModelInvoice) -> None:
        """A paid invoice of a bound customer: the commissions it earns under the plan."""
        plan = self.plan
        net = invoice.amount - invoice.tax
        number = self.paid_per_customer.get(invoice.customer, 0) + 1
        self.paid_per_customer[invoice.customer] = number
        self.customers.add(invoice.customer)
        before, self.revenue = self.revenue, self.revenue + net
        earned: dict[str, int] = {}
        if number == 1 and plan.first_sale_flat:
            earned["first_sale_flat"] = plan.first_sale_flat
        rate = (
            plan.tier_rate
            if plan.tier_threshold is not None and self.revenue >= plan.tier_threshold
            else plan.sale_rate
        )
        if plan.max_invoices is None or number <= plan.max_invoices:
            earned["sale_rate"] = Money.of(net, self.currency).times_rate(rate).amount
        if plan.renewal_bonus and invoice.renewal and invoice.subscription not in self.renewed:
            self.renewed.add(invoice.subscription)
            earned["renewal_bonus"] = plan.renewal_bonus
        threshold = plan.revenue_bonus_threshold
        if threshold is not None and not self.bonus_paid and before < threshold <= self.revenue:
            self.bonus_paid = True
            earned["revenue_bonus"] = plan.revenue_bonus
        for rule, amount in earned.items():
            if amount > 0:
                self.entries[(invoice.invoice_id, rule)] = self._settled(invoice, rule, amount)

    def _settled(self, invoice: ModelInvoice, rule: str, amount: int) -> ModelEntry:
        review = invoice.self_purchase
        if rule == "revenue_bonus":
            return ModelEntry(amount, in_review=review)
        if invoice.dispute == "lost":
            return ModelEntry(amount, reversed=amount, in_review=review)
        refunded = min(sum(invoice.refunds), invoice.amount)
        taken = Money.of(amount, self.currency).prorate(refunded, invoice.amount).amount
        return ModelEntry(amount, reversed=taken, held=invoice.dispute == "open" and not review, in_review=review)

    def balance(self) -> int:
        """What the partner is owed in total."""
        return sum(e.amount - e.reversed for e in self.entries.values())


def paid_order(deliveries: list[tuple[str, str]], invoices: dict[str, ModelInvoice]) -> list[str]:
    """Sale ids in the order the handler applies them, from the delivery order of ("checkout", customer)
    and ("invoice", invoice_id) deliveries (duplicates included)."""
    bound: set[str] = set()
    parked: dict[str, list[str]] = {}
    applied: list[str] = []
    one_offs = {i.customer: i.invoice_id for i in invoices.values() if i.one_off}
    for kind, ref in deliveries:
        if kind == "checkout" and ref not in bound:
            bound.add(ref)
            if ref in one_offs:  # a payment checkout binds and is the sale, before any parked invoice
                applied.append(one_offs[ref])
            applied += [i for i in sorted(parked.pop(ref, [])) if i not in applied]
        elif kind == "invoice" and ref not in applied:
            customer = invoices[ref].customer
            if customer in bound:
                applied.append(ref)
            elif ref not in parked.setdefault(customer, []):
                parked[customer].append(ref)
    return applied


def expected_ledger(
    plan: ModelPlan, deliveries: list[tuple[str, str]], invoices: dict[str, ModelInvoice], paid_at: datetime
) -> LedgerModel:
    """The ledger the handler must store after these deliveries."""
    del paid_at  # the model's plans use invoice-count scopes: time plays no part
    model = LedgerModel(plan)
    for invoice_id in paid_order(deliveries, invoices):
        model.apply_sale(invoices[invoice_id])
    return model


def expected_balances(entries: Iterable[Commission], now: datetime) -> dict[str, dict[str, int]]:
    """The balances a partner must see, summed entry by entry (the definition, written without the
    aggregates): per currency with an entry that is not voided - pending (unclaimed pending/approved entries
    available after now), approved (the same, available by now), held, paid (claimed by a payout), unpaid
    (pending + approved), and in_review (flagged, waiting for staff)."""
    result: dict[str, dict[str, int]] = {}
    for entry in entries:
        if entry.status.value == "voided":
            continue
        sums = result.setdefault(
            entry.amount.currency, {"pending": 0, "approved": 0, "held": 0, "paid": 0, "unpaid": 0, "in_review": 0}
        )
        amount = entry.amount.amount
        if entry.payout_id is not None or entry.status.value == "paid":
            sums["paid"] += amount
        elif entry.status.value == "held":
            sums["held"] += amount
        elif entry.status.value == "needs_review":
            sums["in_review"] += amount
        else:
            sums["pending" if entry.available_at > now else "approved"] += amount
            sums["unpaid"] += amount
    return dict(sorted(result.items()))


def expected_totals(entries: Iterable[Commission]) -> dict[str, dict[str, int]]:
    """The stored balance totals per currency: the sum of the amounts per state, and the entries not voided."""
    result: dict[str, dict[str, int]] = {}
    for entry in entries:
        sums = result.setdefault(
            entry.amount.currency,
            {"unpaid": 0, "held": 0, "paid": 0, "voided": 0, "live_entries": 0, "in_review": 0},
        )
        if entry.status.value == "voided":
            state = "voided"
        elif entry.payout_id is not None or entry.status.value == "paid":
            state = "paid"
        elif entry.status.value == "held":
            state = "held"
        elif entry.status.value == "needs_review":
            state = "in_review"
        else:
            state = "unpaid"
        sums[state] += entry.amount.amount
        sums["live_entries"] += state != "voided"
    return result
