"""Applying a verified Stripe event to the ledger: attribution at checkout, commissions for paid sales,
reversals and holds for refunds and disputes.

Every change is read -> decide (shared.commissions.rules, pure) -> one LedgerWrite the store commits in one
transaction: the event record, the business-fact record, the versioned state items, the ledger entries and
the balance aggregates. The store answers CONFLICT when something read changed meanwhile (a concurrent
event of the same customer, sale or partner): the whole evaluation runs again; DUPLICATE when the event or
fact was recorded before: answered 200 `duplicate`.

A paid invoice costs three DynamoDB requests: program + binding + sale (one BatchGetItem), referral totals +
partner + payment + the program's default plan (one BatchGetItem), and the transaction; plans never change
once created, so a partner's own plan is read (one GetItem, the fourth request) only the first time a
container needs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from shared.commissions import customers
from shared.commissions import rules as ledger
from shared.commissions.models import (
    AttributionSource,
    Commission,
    CommissionSource,
    CommissionStatus,
    CustomerAttribution,
    ParkedSale,
    PaymentRecord,
    SaleEntry,
    SaleRecord,
    promotion_code_key,
)
from shared.commissions.processed_event import ProcessedWebhookEvent
from shared.commissions.store import LedgerWrite, PartnerHint, SaleInputs, WriteOutcome
from shared.commissions.stripe_events import (
    CheckoutCompleted,
    DisputeFact,
    InvoicePaid,
    PaymentLinked,
    RefundFact,
    SubscriptionEnded,
    UnusableEvent,
    parse_event,
)
from shared.context import AppContext
from shared.core import keys
from shared.core.errors import Conflict, NotFound
from shared.core.money import Money
from shared.core.observability import logger, metrics
from shared.core.retry import pause_before_retry
from shared.leads.lifecycle import convert_lead_for_customer, lead_for_email
from shared.leads.rules import is_self_referral
from shared.links.attribution import Touch, decide_owner, partner_named_by, verify_click
from shared.links.click_token import InvalidClickToken
from shared.partners import policy
from shared.partners.models import Partner
from shared.partners.service import normalize_email
from shared.payouts.rules import reversal_available_at
from shared.programs.models import Program
from shared.programs.service import plan_for_partner

# Stripe retries for up to three days: keep event ids a week.
EVENT_RECORD_DAYS = 7
WRITE_ATTEMPTS = 6
FACT_INVOICE_PAID = "invoice_paid"
FACT_CHECKOUT_PAID = "checkout_paid"


@dataclass(frozen=True)
class Outcome:
    """What an event did: `applied`, `duplicate`, `ignored`, `skipped` (e.g. out of band), `parked`,
    `unattributed`, `unusable`. Only a transient failure raises (the function answers 5xx, Stripe retries)."""

    result: str
    detail: str = ""


Attempt = Callable[[], "Outcome | None"]
"""One evaluation of an event against what it reads: an Outcome, or None when a write met a conflict."""


def _committed(ctx: AppContext, change: LedgerWrite, outcome: Outcome) -> Outcome | None:
    """Commit a change: `outcome` when applied, `duplicate` when already applied, None to evaluate again."""
    written = ctx.commissions.write(change)
    if written is WriteOutcome.DUPLICATE:
        return Outcome("duplicate")
    if written is WriteOutcome.CONFLICT:
        return None
    return outcome


def _with_retries(attempt_once: Attempt) -> Outcome:
    for attempt in range(WRITE_ATTEMPTS):
        pause_before_retry(attempt, base_seconds=0.02)
        outcome = attempt_once()
        if outcome is not None:
            return outcome
    raise RuntimeError("too many concurrent changes; Stripe will retry the event")


def _event_record(ctx: AppContext, event: dict[str, Any]) -> ProcessedWebhookEvent:
    now = ctx.clock.now()
    expires = now + timedelta(days=EVENT_RECORD_DAYS)
    return ProcessedWebhookEvent(
        event_id=str(event["id"]),
        event_type=str(event.get("type")),
        processed_at=now,
        expires_at=int(expires.timestamp()),
    )


def _record_only(ctx: AppContext, event: dict[str, Any], outcome: Outcome) -> Outcome:
    if not ctx.commissions.record_event(_event_record(ctx, event)):
        return Outcome("duplicate")
    return outcome


def handle_event(ctx: AppContext, event: dict[str, Any]) -> Outcome:
    """Apply one verified Stripe event (idempotent: a replay changes nothing)."""
    try:
        fact = parse_event(event)
    except UnusableEvent as error:
        logger.warning("unusable Stripe event", extra={"event_id": event.get("id"), "reason": str(error)})
        return Outcome("unusable", str(error))
    if fact is None:
        return Outcome("ignored")
    if isinstance(fact, CheckoutCompleted):
        return _checkout(ctx, event, fact)
    if isinstance(fact, InvoicePaid):
        return _invoice_paid(ctx, event, fact)
    if isinstance(fact, PaymentLinked):
        return _reconcile_payment(ctx, event, fact.payment_id, lambda p: _link(p, fact.invoice_id), fact.invoice_id)
    if isinstance(fact, RefundFact):
        return _reconcile_payment(ctx, event, fact.payment_id, lambda p: _refund(p, fact))
    if isinstance(fact, DisputeFact):
        return _reconcile_payment(ctx, event, fact.payment_id, lambda p: _dispute(p, fact))
    if isinstance(fact, SubscriptionEnded):
        return _with_retries(lambda: _cancel(ctx, event, fact))
    return Outcome("ignored")


# ---------------------------------------------------------------- attribution at checkout
def _touch_of(ctx: AppContext, program: Program, checkout: CheckoutCompleted) -> tuple[Touch, dict[str, Any]] | None:
    """Who referred this checkout: click token, then ref code, then an assigned promotion code, then a
    converted lead's partner (docs/commissions.md, attribution precedence)."""
    now = ctx.clock.now()
    if checkout.client_reference_id:
        try:
            claim = verify_click(checkout.client_reference_id, program, now)
        except InvalidClickToken:
            logger.info("checkout click token rejected", extra={"session": checkout.session_id})
        else:
            touched = datetime.fromtimestamp(claim.clicked_at, tz=now.tzinfo)
            clicked_link = ctx.links.find(claim.link_code)  # the status policy: a paused link attributes nothing
            state = policy.link_state(clicked_link.status, None, now) if clicked_link else policy.LINK_ACTIVE
            if policy.click_token_attributes(_partner_status(ctx, claim.partner_id), state):
                return Touch(claim.partner_id, touched), {
                    "source": AttributionSource.CLICK_TOKEN,
                    "link_code": claim.link_code,
                    "click_id": claim.click_nonce,
                }
    if checkout.ref_code:
        link = ctx.links.find(checkout.ref_code)
        ref_state = policy.link_state(link.status, link.expires_at, now) if link else None
        if link is not None and ref_state and policy.ref_attributes(_partner_status(ctx, link.partner_id), ref_state):
            return Touch(link.partner_id, checkout.created_at), {
                "source": AttributionSource.REF_CODE,
                "link_code": link.code,
            }
    promoted = _promotion_code_partner(ctx, program, checkout.promotion_codes)
    if promoted is not None:
        return Touch(promoted.partner_id, checkout.created_at), {"source": AttributionSource.PROMOTION_CODE}
    if checkout.email and checkout.customer_id:
        lead = convert_lead_for_customer(ctx, checkout.email, checkout.customer_id)
        if (
            lead is not None
            and lead.partner_id
            and policy.new_attribution_allowed(_partner_status(ctx, lead.partner_id))
        ):
            return Touch(lead.partner_id, lead.created_at), {"source": AttributionSource.LEAD, "lead_id": lead.lead_id}
    return None


def _status_review_reason(partner: Partner | None) -> str | None:
    """Why a bound customer's sale waits in review because of its partner's status (paused, pending)."""
    if partner is not None and policy.recurring_commission(partner.status.value) == policy.REVIEW:
        return f"the partner is {partner.status.value}: its commissions wait in review (docs/status-policy.md)"
    return None


def _partner_status(ctx: AppContext, partner_id: str) -> str | None:
    """The partner's status for shared.partners.policy (None: no such partner, which the policy refuses)."""
    partner = ctx.partners.find(partner_id)
    return partner.status.value if partner is not None else None


def _bind(
    ctx: AppContext, program: Program, checkout: CheckoutCompleted, customer_id: str
) -> CustomerAttribution | None:
    """Bind the customer to the winning partner (first/last touch, lock) and return the binding."""
    found = _touch_of(ctx, program, checkout)
    for attempt in range(WRITE_ATTEMPTS):
        pause_before_retry(attempt, base_seconds=0.02)
        held = ctx.commissions.find_attribution(customer_id)
        if found is None:
            return held
        touch, details = found
        # A terminated partner's customer is released (shared.partners.policy): no lock, no touch of its own.
        if held is not None and policy.customer_lock_holds(_partner_status(ctx, held.partner_id)):
            if program.lock_customer_to_partner or held.partner_id == touch.partner_id:
                return held
            winner = decide_owner(
                program.attribution_policy,
                Touch(held.partner_id, held.touched_at),
                touch,
                program.attribution_window_days,
                ctx.clock.now(),
            )
            if winner.partner_id == held.partner_id:
                return held
        now = ctx.clock.now()
        base = held.model_dump() if held is not None else {}
        partner = ctx.partners.find(touch.partner_id)
        binding = CustomerAttribution.model_validate(
            {
                **base,
                "review_reason": self_referral_reason(checkout.email, partner, customer_id),
                "email_masked": customers.masked(checkout.email) or base.get("email_masked"),
                "stripe_customer_id": customer_id,
                "partner_id": touch.partner_id,
                "program_id": program.program_id,
                "link_code": None,
                "click_id": None,
                "lead_id": None,
                **details,
                "touched_at": touch.touched_at,
                "attributed_at": now,
                "version": (held.version if held else 0) + 1,
            }
        )
        change = LedgerWrite(now, versioned=[(binding, held.version if held else 0)])
        if ctx.commissions.write(change) is WriteOutcome.CONFLICT:
            continue
        return binding
    raise RuntimeError("the customer's binding keeps changing; Stripe will retry")


def _checkout(ctx: AppContext, event: dict[str, Any], checkout: CheckoutCompleted) -> Outcome:
    program = ctx.programs.get(ctx.program_id)
    customer_id = checkout.customer_id or f"guest_{checkout.session_id}"
    if checkout.email:
        _mark_customer_email(ctx, checkout.email, customer_id)
    binding = _bind(ctx, program, checkout, customer_id)
    outcome = Outcome("unattributed")
    if binding is not None:
        outcome = Outcome("applied", f"customer bound to {binding.partner_id}")
        # Money is truthy even at zero: a free checkout (100 % coupon, no payment required) earns nothing.
        amount_paid, net = checkout.amount_paid, checkout.net
        if checkout.mode == "payment" and checkout.paid and amount_paid and amount_paid.amount > 0 and net:
            sale = ledger.PaidSale(
                sale_id=checkout.session_id,
                customer_id=customer_id,
                amount_paid=amount_paid,
                net=net,
                paid_at=checkout.created_at,
            )
            result = _with_retries(
                lambda: _apply_sale(
                    ctx,
                    sale,
                    FACT_CHECKOUT_PAID,
                    payment_id=checkout.payment_intent_id,
                    event=None,
                    customer_email=checkout.email,
                )
            )
            outcome = Outcome(result.result if result.result != "duplicate" else "applied", result.detail)
        for parked in ctx.commissions.parked_sales(customer_id):
            # Invoices that arrived before this checkout: apply them now (each counts once, by its fact).
            handle_parked(ctx, json.loads(parked.event_json))
    return _record_only(ctx, event, outcome)


def handle_parked(ctx: AppContext, event: dict[str, Any]) -> Outcome:
    """Apply a parked invoice.paid event whose customer is bound now (no event record: it has one)."""
    fact = parse_event(event)
    if not isinstance(fact, InvoicePaid):
        return Outcome("ignored")
    sale = _paid_sale(fact)
    return _with_retries(
        lambda: _apply_sale(
            ctx,
            sale,
            FACT_INVOICE_PAID,
            payment_id=None,
            event=None,
            linked_payments=fact.payment_ids,
            customer_email=fact.customer_email,
        )
    )


def _mark_customer_email(ctx: AppContext, email: str, customer_id: str) -> None:
    """The marker the lead intake reads to say 'existing customer' (first payment wins, later ones no-op)."""
    email_hash = keys.sha256_hex(normalize_email(email))
    ctx.commissions.mark_customer_email(ctx.program_id, email_hash, customer_id, ctx.clock.now())


# ---------------------------------------------------------------- paid sales
def _paid_sale(invoice: InvoicePaid) -> ledger.PaidSale:
    return ledger.PaidSale(
        sale_id=invoice.invoice_id,
        customer_id=invoice.customer_id,
        amount_paid=invoice.amount_paid,
        net=invoice.net,
        paid_at=invoice.paid_at,
        subscription_id=invoice.subscription_id,
        billing_reason=invoice.billing_reason,
    )


def _invoice_paid(ctx: AppContext, event: dict[str, Any], invoice: InvoicePaid) -> Outcome:
    if invoice.out_of_band or invoice.amount_paid.amount <= 0:
        return _record_only(ctx, event, Outcome("skipped", "out of band or zero amount"))
    if invoice.subscription_id is None:
        # One-time payments are commissioned from their payment-mode Checkout Session, never twice.
        return _record_only(ctx, event, Outcome("skipped", "not a subscription invoice"))
    sale = _paid_sale(invoice)
    hinted = partner_named_by(invoice.click_id)
    hint = PartnerHint(hinted, invoice.payment_ids[0] if invoice.payment_ids else None) if hinted else None
    inputs = ctx.commissions.sale_inputs(ctx.program_id, invoice.customer_id, invoice.invoice_id, hint=hint)
    fresh = [inputs]  # the first attempt reuses these consistent reads; a retry reads again
    if inputs.binding is None:
        program = inputs.program
        if program is None or (
            _promotion_code_binding(ctx, program, invoice) is None and _sales_led_binding(ctx, program, invoice) is None
        ):
            return _park(ctx, event, invoice)
        fresh = []  # bound now: read again
    elif inputs.binding.paid_sales == 0 and invoice.customer_email:
        # The customer's first payment converts its lead (a link-driven lead too).
        _convert_lead(ctx, invoice.customer_email, invoice.customer_id)

    def attempt() -> Outcome | None:
        return _apply_sale(
            ctx,
            sale,
            FACT_INVOICE_PAID,
            payment_id=None,
            event=event,
            linked_payments=invoice.payment_ids,
            inputs=fresh.pop() if fresh else None,
            customer_email=invoice.customer_email,
        )

    return _with_retries(attempt)


def _unpriced_entries(
    rules_unpriced: tuple[str, ...],
    sale: ledger.PaidSale,
    *,
    partner_id: str,
    program: Program,
    source: CommissionSource,
    available_at: datetime,
    now: datetime,
) -> list[Commission]:
    """A flat rule the plan prices in other currencies only earns nothing on this sale: a zero entry in
    review names it (staff may add an adjustment), with a metric and a log line."""
    currency = sale.net.currency
    flagged: list[Commission] = []
    for rule in rules_unpriced:
        metrics.add_metric(name="UnpricedFlatAmount", unit=MetricUnit.Count, value=1)
        logger.warning(
            "plan names no flat amount in the sale's currency",
            extra={"sale_id": sale.sale_id, "rule": rule, "currency": currency, "partner_id": partner_id},
        )
        flagged.append(
            Commission(
                commission_id=keys.sale_commission_id(sale.sale_id, rule),
                partner_id=partner_id,
                program_id=program.program_id,
                amount=Money.of(0, currency),
                rule=rule,
                source=source,
                status=CommissionStatus.NEEDS_REVIEW,
                review_reason=f"the plan names no {rule} amount in {currency}: nothing earned",
                available_at=available_at,
                created_at=now,
                updated_at=now,
            )
        )
    return flagged


def _sales_led_binding(ctx: AppContext, program: Program, invoice: InvoicePaid) -> CustomerAttribution | None:
    """Bind a customer paying without a Checkout binding to the partner of its lead (matched by the
    invoice's customer email within the attribution window), converting the lead; None when none matches."""
    if not invoice.customer_email:
        return None
    now = ctx.clock.now()
    lead = lead_for_email(ctx, invoice.customer_email, now - timedelta(days=program.attribution_window_days))
    if lead is None or lead.partner_id is None:
        return None
    partner = ctx.partners.find(lead.partner_id)
    if partner is None or not policy.new_attribution_allowed(partner.status):
        return None
    converted = convert_lead_for_customer(ctx, invoice.customer_email, invoice.customer_id)
    if converted is None:
        return None  # rejected meanwhile
    binding = CustomerAttribution(
        stripe_customer_id=invoice.customer_id,
        partner_id=lead.partner_id,
        program_id=program.program_id,
        source=AttributionSource.LEAD,
        lead_id=lead.lead_id,
        touched_at=lead.created_at,
        attributed_at=now,
        review_reason=self_referral_reason(invoice.customer_email, partner, invoice.customer_id),
        version=1,
    )
    logger.info("customer bound by its lead's email", extra={"lead_id": lead.lead_id, "partner_id": lead.partner_id})
    return _first_binding(ctx, binding)


def _first_binding(ctx: AppContext, binding: CustomerAttribution) -> CustomerAttribution | None:
    """Write a customer's first binding; when a checkout bound it meanwhile, that one stands."""
    if ctx.commissions.write(LedgerWrite(binding.attributed_at, versioned=[(binding, 0)])) is WriteOutcome.CONFLICT:
        return ctx.commissions.find_attribution(binding.stripe_customer_id)
    return binding


def _promotion_code_partner(ctx: AppContext, program: Program, codes: tuple[str, ...]) -> Partner | None:
    """The partner a promotion code of the payment is assigned to, if its status allows a new attribution."""
    for code in codes:
        assignment = ctx.commissions.find_promotion_code(program.program_id, promotion_code_key(code))
        if assignment is None:
            continue
        partner = ctx.partners.find(assignment.partner_id)
        if partner is not None and policy.new_attribution_allowed(partner.status):
            return partner
    return None


def _promotion_code_binding(ctx: AppContext, program: Program, invoice: InvoicePaid) -> CustomerAttribution | None:
    """Bind a customer paying an invoice without a Checkout binding to the partner of a promotion code its
    discounts use; None when none is assigned."""
    partner = _promotion_code_partner(ctx, program, invoice.promotion_codes)
    if partner is None:
        return None
    now = ctx.clock.now()
    binding = CustomerAttribution(
        stripe_customer_id=invoice.customer_id,
        partner_id=partner.partner_id,
        program_id=program.program_id,
        source=AttributionSource.PROMOTION_CODE,
        touched_at=invoice.paid_at,
        attributed_at=now,
        review_reason=self_referral_reason(invoice.customer_email, partner, invoice.customer_id),
        version=1,
    )
    return _first_binding(ctx, binding)


def _convert_lead(ctx: AppContext, email: str, customer_id: str) -> None:
    """Mark the customer's lead converted on its first payment; a lead busy with a staff change is left as it
    is (the payment's commission never waits on it)."""
    try:
        convert_lead_for_customer(ctx, email, customer_id)
    except Conflict:
        logger.warning("lead busy: not converted on first payment", extra={"customer_id": customer_id})


def _park(ctx: AppContext, event: dict[str, Any], invoice: InvoicePaid) -> Outcome:
    now = ctx.clock.now()
    parked = ParkedSale(
        stripe_customer_id=invoice.customer_id,
        sale_id=invoice.invoice_id,
        event_json=json.dumps(event, separators=(",", ":")),
        parked_at=now,
        expires_at=int((now + timedelta(days=EVENT_RECORD_DAYS)).timestamp()),
    )
    written = ctx.commissions.write(LedgerWrite(now, records=[_event_record(ctx, event).to_item()], plain=[parked]))
    if written is WriteOutcome.DUPLICATE:
        return Outcome("duplicate")
    if written is WriteOutcome.CONFLICT:
        # Another delivery of this event is being written right now: answer 500, Stripe retries.
        raise RuntimeError("a concurrent delivery of this event is in flight; Stripe will retry it")
    # The checkout may have bound the customer between our read and the park: then apply it ourselves
    # (the business fact makes sure the checkout's replay of parked sales and this one count it once).
    if ctx.commissions.find_attribution(invoice.customer_id) is not None:
        handle_parked(ctx, event)
        return Outcome("applied", "customer bound meanwhile")
    return Outcome("parked", "no checkout has bound this customer yet")


def _apply_sale(
    ctx: AppContext,
    sale: ledger.PaidSale,
    fact_kind: str,
    *,
    payment_id: str | None,
    event: dict[str, Any] | None,
    linked_payments: tuple[str, ...] = (),
    inputs: SaleInputs | None = None,
    customer_email: str | None = None,
) -> Outcome | None:
    """One attempt at commissioning a paid sale: its outcome, or None when a write conflict asks for another.
    A sale that looks like the partner buying for itself is written `needs_review` with the reason."""
    repo = ctx.commissions
    inputs = inputs or repo.sale_inputs(ctx.program_id, sale.customer_id, sale.sale_id)
    program, binding = inputs.program, inputs.binding
    if program is None:
        raise NotFound(f"program {ctx.program_id!r} is not set up; PUT /admin/program first", code="program_not_found")
    if binding is None:
        return Outcome("unattributed")
    record = inputs.sale or SaleRecord(sale_id=sale.sale_id, program_id=program.program_id)
    if record.paid:
        return Outcome("duplicate")
    payment_id = payment_id or record.payment_id or (linked_payments[0] if linked_payments else None)
    known = repo.partner_inputs(binding.partner_id, payment_id, program, prefetched=inputs.prefetched)
    totals = known.totals
    plan = plan_for_partner(ctx, program, known.partner, known.plans)
    if plan is not None:
        repo.remember_plan(plan)
    evaluation = ledger.evaluate_sale(
        plan,
        sale,
        ledger.CustomerHistory(
            paid_sales=binding.paid_sales,
            first_paid_at=binding.first_paid_at,
            renewed_subscriptions=frozenset(binding.renewed_subscriptions),
            cancelled_subscriptions=binding.cancelled_subscriptions,
        ),
        ledger.PartnerTotals(
            revenue=totals.revenue, customers=totals.customers, bonuses_paid=frozenset(totals.bonuses_paid)
        ),
    )
    now = ctx.clock.now()
    available_at = ledger.payable_from(now, program.hold_period_days)
    review_reason = (
        binding.review_reason
        or _status_review_reason(known.partner)
        or self_referral_reason(customer_email, known.partner, sale.customer_id)
        or ledger.review_threshold_reason([e.amount for e in evaluation.entries], program.review_threshold)
    )
    if review_reason:
        logger.warning("sale flagged for review", extra={"sale_id": sale.sale_id, "partner_id": binding.partner_id})
    source = CommissionSource(
        customer_id=sale.customer_id,
        invoice_id=sale.sale_id if fact_kind == FACT_INVOICE_PAID else None,
        checkout_session_id=sale.sale_id if fact_kind == FACT_CHECKOUT_PAID else None,
        payment_intent_id=payment_id if payment_id and payment_id.startswith("pi_") else None,
        event_id=str(event["id"]) if event else None,
    )
    entries = [
        Commission(
            commission_id=keys.sale_commission_id(sale.sale_id, earned.rule),
            partner_id=binding.partner_id,
            program_id=program.program_id,
            amount=earned.amount,
            rule=earned.rule,
            source=source,
            status=CommissionStatus.NEEDS_REVIEW if review_reason else CommissionStatus.PENDING,
            review_reason=review_reason,
            available_at=available_at,
            created_at=now,
            updated_at=now,
        )
        for earned in evaluation.entries
    ]
    entries += _unpriced_entries(
        evaluation.unpriced,
        sale,
        partner_id=binding.partner_id,
        program=program,
        source=source,
        available_at=available_at,
        now=now,
    )
    new_record = record.model_copy(
        update={
            "paid": True,
            "partner_id": binding.partner_id,
            "customer_id": sale.customer_id,
            "amount_paid": sale.amount_paid,
            "net": sale.net,
            "payment_id": payment_id,
            "paid_at": sale.paid_at,
            "entries": [SaleEntry(commission_id=e.commission_id, rule=e.rule, amount=e.amount) for e in entries],
            "version": record.version + 1,
        }
    )
    new_binding = binding.model_copy(
        update={
            "paid_sales": evaluation.history.paid_sales,
            "first_paid_at": evaluation.history.first_paid_at,
            "renewed_subscriptions": sorted(evaluation.history.renewed_subscriptions),
            "version": binding.version + 1,
            **customers.after_payment(binding, new_record, customer_email, known.payment),  # the Customers page
        }
    )
    new_totals = totals.model_copy(
        update={
            "revenue": dict(evaluation.totals.revenue),
            "customers": evaluation.totals.customers,
            "bonuses_paid": sorted(evaluation.totals.bonuses_paid),
            "version": totals.version + 1,
        }
    )
    # The sale record is the sale's idempotency key, whatever event carries it (a redelivery, the same event through
    # EventBridge, a parked replay): written new or under the version read, so of two racing deliveries one
    # applies and the other, evaluated again, finds the sale paid (no separate event or fact record to write).
    change = LedgerWrite(now)
    change.versioned += [(new_record, record.version), (new_binding, binding.version), (new_totals, totals.version)]
    payment = known.payment
    if payment_id:
        # Always written with its version, also when it is linked already: a refund or dispute reconciled
        # concurrently bumps it, so this sale is then retried with the refund in view instead of missing it.
        payment = payment or PaymentRecord(payment_id=payment_id)
        linked = payment.model_copy(update={"sale_id": sale.sale_id, "version": payment.version + 1})
        change.versioned.append((linked, payment.version))
        payment = linked
    # A refund or dispute that arrived before the payment is applied now, in the same transaction
    # (it may also hold the new entries, which are then written held).
    if payment is not None:
        reversals, changed = _reconcile(ctx, new_record, payment, entries, now)
        change.new_entries += reversals
        change.changed_entries += changed
    change.new_entries = entries + change.new_entries
    return _committed(ctx, change, Outcome("applied", f"{len(entries)} commission(s) for {binding.partner_id}"))


# ---------------------------------------------------------------- cancellations
def _cancel(ctx: AppContext, event: dict[str, Any], ended: SubscriptionEnded) -> Outcome | None:
    """Remember when the customer's subscription was cancelled: its invoices paid later earn no share."""
    binding = ctx.commissions.find_attribution(ended.customer_id)
    if binding is None:
        return _record_only(ctx, event, Outcome("unattributed"))
    if ended.subscription_id in binding.cancelled_subscriptions:
        return _record_only(ctx, event, Outcome("duplicate"))
    cancelled = {**binding.cancelled_subscriptions, ended.subscription_id: ended.cancelled_at}
    updated = binding.model_copy(update={"cancelled_subscriptions": cancelled, "version": binding.version + 1})
    change = LedgerWrite(
        ctx.clock.now(), records=[_event_record(ctx, event).to_item()], versioned=[(updated, binding.version)]
    )
    return _committed(ctx, change, Outcome("applied", f"subscription {ended.subscription_id} cancelled"))


# ---------------------------------------------------------------- refunds, disputes, links
def _link(payment: PaymentRecord, invoice_id: str) -> PaymentRecord:
    return payment.model_copy(update={"sale_id": invoice_id})


def _refund(payment: PaymentRecord, refund: RefundFact) -> PaymentRecord:
    if refund.refund_id is None:
        return payment.model_copy(update={"charge_refunded": max(payment.charge_refunded, refund.amount)})
    refunds = dict(payment.refunds)
    if refund.counts:
        refunds[refund.refund_id] = refund.amount
    else:
        refunds.pop(refund.refund_id, None)
    return payment.model_copy(update={"refunds": refunds})


def _dispute(payment: PaymentRecord, dispute: DisputeFact) -> PaymentRecord:
    current = payment.disputes.get(dispute.dispute_id)
    if current in (ledger.DISPUTE_LOST, *ledger.DISPUTE_CLOSED_RELEASED):
        return payment  # closed is final: a late "created"/"updated" delivered after "closed" changes nothing
    return payment.model_copy(update={"disputes": {**payment.disputes, dispute.dispute_id: dispute.status}})


def _reconcile_payment(
    ctx: AppContext,
    event: dict[str, Any],
    payment_id: str,
    change_payment: Callable[[PaymentRecord], PaymentRecord],
    link_sale_id: str | None = None,
) -> Outcome:
    def attempt() -> Outcome | None:
        repo = ctx.commissions
        now = ctx.clock.now()
        payment = repo.find_payment(payment_id) or PaymentRecord(payment_id=payment_id)
        updated = change_payment(payment).model_copy(update={"version": payment.version + 1})
        sale_id = updated.sale_id
        sale = repo.find_sale(sale_id) if sale_id else None
        change = LedgerWrite(now, records=[_event_record(ctx, event).to_item()], versioned=[(updated, payment.version)])
        if link_sale_id and (sale is None or sale.payment_id != payment_id):
            # invoice_payment before (or after) invoice.paid: both sides learn the link.
            linked = (sale or SaleRecord(sale_id=link_sale_id, program_id=ctx.program_id)).model_copy(
                update={"payment_id": payment_id, "version": (sale.version if sale else 0) + 1}
            )
            change.versioned.append((linked, sale.version if sale else 0))
            sale = linked
        elif sale is not None and sale.paid:
            # Bump the sale's version: two payments' events never reconcile one sale concurrently.
            bumped = sale.model_copy(update={"version": sale.version + 1})
            change.versioned.append((bumped, sale.version))
            sale = bumped
        if sale is not None and sale.paid:
            change.new_entries, change.changed_entries = _reconcile(ctx, sale, updated, None, now)
            change.versioned += customers.refund_marks(ctx, sale, updated)  # refunded in full: the customer's status
        applied = sale is not None and sale.paid
        return _committed(ctx, change, Outcome("applied" if applied else "stored", f"payment {payment_id}"))

    return _with_retries(attempt)


def _reconcile(
    ctx: AppContext, sale: SaleRecord, payment: PaymentRecord, new_entries: list[Commission] | None, now: datetime
) -> tuple[list[Commission], list[tuple[Commission, Commission]]]:
    """The reversal entries to append and the hold/release changes (before, after) that make the sale's
    ledger match its payment's refunds and disputes. `new_entries`: the sale's entries being created in this
    same write (a hold changes them in place: they are then written held)."""
    if not sale.paid or sale.partner_id is None or sale.amount_paid is None:
        return [], []
    stored = new_entries if new_entries is not None else ctx.commissions.sale_entries(sale.partner_id, sale.sale_id)
    originals = [e for e in stored if e.reverses is None]
    reversed_so_far: dict[str, int] = {}
    reversal_count: dict[str, int] = {}
    for entry in stored:
        if entry.reverses is not None:
            reversed_so_far[entry.reverses] = reversed_so_far.get(entry.reverses, 0) - entry.amount.amount
            reversal_count[entry.reverses] = reversal_count.get(entry.reverses, 0) + 1
    paid = sale.amount_paid.amount
    outcome = ledger.payment_outcome(payment.refunds, payment.charge_refunded, payment.disputes, paid)
    live = [e for e in originals if e.status is not CommissionStatus.VOIDED]
    due = ledger.reversals_due([(e.commission_id, e.rule, e.amount) for e in live], reversed_so_far, outcome, paid)
    by_id = {e.commission_id: e for e in live}
    wanted = CommissionStatus.HELD if outcome.dispute_open else CommissionStatus.PENDING
    reversals: list[Commission] = []
    for commission_id, amount in due:
        original = by_id[commission_id]
        # A reversal follows its original: held while the original is held (a refund during an open
        # dispute takes nothing from the payable balance), netted or released with it.
        holds = wanted is CommissionStatus.HELD and _follows_hold(original)
        status = CommissionStatus.HELD if holds else CommissionStatus.PENDING
        if original.status is CommissionStatus.NEEDS_REVIEW:
            status = CommissionStatus.NEEDS_REVIEW  # decided with its original (a reject voids both)
        reversals.append(
            Commission(
                commission_id=keys.commission_reversal_id(commission_id, reversal_count.get(commission_id, 0) + 1),
                partner_id=original.partner_id,
                program_id=original.program_id,
                amount=amount,
                rule=original.rule,
                source=original.source,
                reverses=commission_id,
                status=status,
                review_reason=original.review_reason,
                available_at=reversal_available_at(original, now),
                note="dispute lost" if outcome.dispute_lost else "refund",
                created_at=now,
                updated_at=now,
            )
        )
    changes: list[tuple[Commission, Commission]] = []
    new_ids = {e.commission_id for e in new_entries or []}
    followers = [e for e in stored if e.reverses in by_id and _follows_hold(by_id[e.reverses])]
    for entry in [*live, *followers]:
        if not _follows_hold(entry):
            continue
        current = entry.status
        if current is CommissionStatus.APPROVED and wanted is CommissionStatus.PENDING:
            continue
        if current == wanted:
            continue
        changed = entry.model_copy(update={"status": wanted, "updated_at": now})
        if new_entries is not None and entry.commission_id in new_ids:
            # Created in this same write: it is written directly in its held state.
            new_entries[new_entries.index(entry)] = changed
        else:
            changes.append((entry, changed))
    return reversals, changes


def _follows_hold(entry: Commission) -> bool:
    """Whether a dispute holds and releases this entry: an unclaimed entry of a reversible rule that staff
    have not voided and that is not waiting for review (a reversal counts as its original's rule)."""
    return (
        entry.rule in ledger.REVERSIBLE_RULES
        and entry.payout_id is None
        and entry.status not in (CommissionStatus.VOIDED, CommissionStatus.NEEDS_REVIEW)
    )


def self_referral_reason(
    customer_email: str | None, partner: Partner | None, customer_id: str | None = None
) -> str | None:
    """Why a customer looks like the partner itself (one of its own Stripe customers, its own email, or its
    company's email domain), worded for the review queue; None when it does not (the leads' rule, shared)."""
    if partner is None:
        return None
    if customer_id and customer_id in partner.stripe_customer_ids:
        return f"self-referral: the customer {customer_id} is the partner's own Stripe customer"
    if not customer_email:
        return None
    email = normalize_email(customer_email)
    if not is_self_referral(email, partner):
        return None
    if email == normalize_email(partner.email):
        return "self-referral: the customer's email is the partner's own email"
    return f"self-referral: the customer's email is on the partner's company domain {partner.company_domain}"
