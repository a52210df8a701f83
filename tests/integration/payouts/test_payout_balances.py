"""The partner's balance aggregates through the payout run: claimed entries move from unpaid to paid in the
same transactions as their claims, whether the transfer then succeeds, is declined or waits for finance; an
early run of the current period claims entries still in their hold; a payout planned before the aggregates
existed is resumed and the partner's aggregates rebuilt. After every step the aggregates equal the sums of
the entries (tests/model), and the balance route says what the entries say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.commissions import service as commissions
from shared.commissions.models import BalanceTotals, Commission, CommissionStatus
from shared.commissions.rebuild import main as rebuild_main
from shared.commissions.rebuild import rebuild_partner
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.core.errors import Conflict
from shared.partners.models import PayoutMethodKind
from shared.payouts.models import Payout, PayoutStatus
from shared.payouts.rules import payout_id
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from tests.helpers import ledger_factories as lf
from tests.helpers.fake_stripe import FakeStripe
from tests.model.ledger_model import expected_balances, expected_totals

PERIOD = "2026-10"


def run(ctx: AppContext, fake: FakeStripe, period: str = PERIOD) -> None:
    PayoutRun(ctx, StripeTransfers("sk_test_local", api_base=fake.url, sleep=lambda _: None)).run(period)


def assert_aggregates_are_the_sums(ctx: AppContext, partner_id: str) -> list[Commission]:
    """The stored totals equal the entries' sums per state, and the balances equal the entry-by-entry ones."""
    entries = ctx.commissions.all_for_partner(partner_id)
    totals, _ = ctx.commissions.balance_items(partner_id, "0000-00-00", consistent=True)
    stored = {t.currency: {name: getattr(t, name) for name in BalanceTotals.SUMS} for t in totals}
    assert stored == expected_totals(entries)
    assert commissions.balances(ctx, partner_id) == expected_balances(entries, ctx.clock.now())
    return entries


def given_ledger(ctx: AppContext, *entities: object) -> None:
    """Entries stored as a table written before the aggregates existed holds them, then migrated."""
    lf.given(ctx.table, *entities)  # type: ignore[arg-type]
    for partner_id in {e.partner_id for e in entities if isinstance(e, Commission)}:
        assert rebuild_partner(ctx, partner_id).applied


def test_the_migration_rebuilds_the_aggregates_and_the_state_index_of_an_old_ledger(ctx: AppContext) -> None:
    # Given a ledger written before the aggregates: paid, held, voided, unpaid and still-pending entries
    soon = ctx.clock.now() + timedelta(days=9)
    old = [
        lf.commission("p_ada", 6000),
        lf.commission("p_ada", 2500, status=CommissionStatus.HELD),
        lf.commission("p_ada", 999, status=CommissionStatus.VOIDED),
        lf.commission("p_ada", 1200, status=CommissionStatus.PENDING, available_at=soon),
        lf.commission("p_ada", 800, "EUR").model_copy(update={"status": CommissionStatus.PAID, "payout_id": "po_x"}),
    ]
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), *old)
    for entry in old:  # as the previous version stored them: no GSI3 keys
        ctx.table.update(keys.commission("p_ada", entry.commission_id), "REMOVE gsi3pk, gsi3sk")
    assert commissions.balances(ctx, "p_ada") == {}

    # When the migration runs (the command, with the deployment's context)
    assert rebuild_main(["--partner", "p_ada"], ctx=ctx) == 0

    # Then the balances are the ledger's, and a status filter finds the entries by key
    assert_aggregates_are_the_sums(ctx, "p_ada")
    pending, _ = commissions.list_page(ctx, partner_id="p_ada", status=CommissionStatus.PENDING, limit=10, cursor=None)
    held, _ = commissions.list_page(ctx, partner_id="p_ada", status=CommissionStatus.HELD, limit=10, cursor=None)
    assert [i["amount"]["amount"] for i in pending] == [1200] and [i["amount"]["amount"] for i in held] == [2500]
    # And running it again changes nothing
    assert rebuild_partner(ctx, "p_ada").applied
    assert_aggregates_are_the_sums(ctx, "p_ada")


def test_claims_move_unpaid_to_paid_whatever_the_transfer_does(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given three partners with October entries and clawbacks: one paid by Connect, one whose account
    # declines, one paid by hand; and an entry still in its hold
    sale = lf.commission("p_ada", 8000)
    later = lf.commission(
        "p_ada", 3000, status=CommissionStatus.PENDING, available_at=ctx.clock.now() + timedelta(days=20)
    )
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.partner("p_bob"))
    lf.given(ctx.table, lf.partner("p_cyd", method=PayoutMethodKind.PAYPAL))
    given_ledger(
        ctx,
        sale,
        lf.commission("p_ada", -1500, reverses=sale.commission_id),
        later,
        lf.commission("p_bob", 9000),
        lf.commission("p_cyd", 7000),
    )
    fake_stripe.accounts_not_ready = {"acct_pbob"}

    # When October is paid
    run(ctx, fake_stripe)

    # Then Ada's claimed entries are paid, Bob's are claimed though his transfer failed, Cyd's wait for finance
    assert ctx.payouts.get("p_ada", PERIOD, "USD").status is PayoutStatus.PAID  # type: ignore[union-attr]
    assert ctx.payouts.get("p_bob", PERIOD, "USD").status is PayoutStatus.FAILED  # type: ignore[union-attr]
    assert ctx.payouts.get("p_cyd", PERIOD, "USD").status is PayoutStatus.PENDING  # type: ignore[union-attr]
    for partner_id in ("p_ada", "p_bob", "p_cyd"):
        assert_aggregates_are_the_sums(ctx, partner_id)
    assert commissions.balances(ctx, "p_ada")["USD"] == {
        "pending": 3000,
        "approved": 0,
        "held": 0,
        "paid": 6500,
        "unpaid": 3000,
        "in_review": 0,
    }

    # When Bob's account is ready and November's run retries his payout, and finance pays Cyd
    fake_stripe.accounts_not_ready = set()
    ctx.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    run(ctx, fake_stripe, "2026-11")
    ctx.payouts.mark_paid_manually(ctx.payouts.require("p_cyd", PERIOD, "USD"), "wise-1", ctx.clock.now())

    # Then nothing moves twice: the aggregates still equal the sums
    assert ctx.payouts.get("p_bob", PERIOD, "USD").status is PayoutStatus.PAID  # type: ignore[union-attr]
    for partner_id in ("p_ada", "p_bob", "p_cyd"):
        assert_aggregates_are_the_sums(ctx, partner_id)


def test_an_early_run_is_refused_and_november_is_paid_once_every_hold_has_ended(
    ctx: AppContext, clock: FixedClock, fake_stripe: FakeStripe
) -> None:
    # Given November entries, some releasing later this month (today 2 November)
    clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    soon = [
        lf.commission("p_ada", 4000, status=CommissionStatus.PENDING, available_at=datetime(2026, 11, d, 9, tzinfo=UTC))
        for d in (5, 5, 12)
    ]
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"))
    given_ledger(ctx, *soon, lf.commission("p_ada", 2000, available_at=datetime(2026, 11, 1, tzinfo=UTC)))
    assert commissions.balances(ctx, "p_ada")["USD"]["pending"] == 12000

    # When an operator runs November before it is over
    with pytest.raises(Conflict):
        run(ctx, fake_stripe, "2026-11")

    # Then nothing was claimed: the entries still in their hold stay pending
    assert ctx.payouts.get("p_ada", "2026-11", "USD") is None
    assert commissions.balances(ctx, "p_ada")["USD"]["pending"] == 12000
    assert_aggregates_are_the_sums(ctx, "p_ada")

    # When November has ended and it is paid
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    run(ctx, fake_stripe, "2026-11")

    # Then every entry was claimed once, none of them still in its release items
    payout = ctx.payouts.get("p_ada", "2026-11", "USD")
    assert payout is not None and payout.status is PayoutStatus.PAID and payout.amount.amount == 14000
    assert payout.unreleased_available_at == {}
    assert_aggregates_are_the_sums(ctx, "p_ada")


def test_a_payout_planned_before_the_aggregates_is_resumed_and_the_aggregates_rebuilt(
    ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given 150 entries, migrated, and a payout the previous version created and crashed after (no chunk
    # size: chunks of 99, claims without aggregate updates)
    entries = [lf.commission("p_big", 100) for _ in range(150)]
    lf.given(ctx.table, lf.program(), lf.partner("p_big"))
    given_ledger(ctx, *entries)
    now = ctx.clock.now()
    item = {
        "payout_id": payout_id("p_big", PERIOD, "USD"),
        "partner_id": "p_big",
        "program_id": "default",
        "period": PERIOD,
        "amount": {"amount": 15000, "currency": "USD"},
        "status": "in_progress",
        "method": "stripe_connect",
        "destination": "acct_pbig",
        "commission_ids": [e.commission_id for e in entries],
        "commission_amounts": [100] * 150,
        "created_at": now,
        "updated_at": now,
    }
    legacy = Payout.model_validate(item)
    assert legacy.chunk_size is None and legacy.chunk_count == 2
    ctx.table.put(legacy.to_item())

    # When the next run resumes it
    run(ctx, fake_stripe)

    # Then it is paid once, and the partner's aggregates are the ledger's again
    resumed = ctx.payouts.get("p_big", PERIOD, "USD")
    assert resumed is not None and resumed.status is PayoutStatus.PAID and resumed.amount.amount == 15000
    assert [t.amount for t in fake_stripe.transfers] == [15000]
    stored = assert_aggregates_are_the_sums(ctx, "p_big")
    assert all(e.status is CommissionStatus.PAID for e in stored)
