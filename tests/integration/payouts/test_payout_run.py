"""The payout run against DynamoDB Local and a fake Stripe HTTP server that honours Idempotency-Key."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.lambda_runtime import LambdaContext
from devstack.template import functions
from shared.commissions.models import Commission, CommissionStatus
from shared.context import AppContext
from shared.core import keys
from shared.core.errors import Conflict
from shared.partners.models import PartnerStatus, PayoutMethodKind
from shared.payouts.models import Payout, PayoutStatus
from shared.payouts.rules import payout_id
from shared.payouts.run import CHECKPOINTS, PayoutRun
from shared.payouts.transfers import StripeTransfers
from tests.helpers import ledger_factories as lf
from tests.helpers.fake_stripe import FakeStripe

PERIOD = "2026-10"


class Crash(Exception):
    """The process died here."""


def runner(ctx: AppContext, fake: FakeStripe, checkpoint: Any = None) -> PayoutRun:
    transfers = StripeTransfers("sk_test_local", api_base=fake.url, sleep=lambda _: None)
    if checkpoint is None:
        return PayoutRun(ctx, transfers)
    return PayoutRun(ctx, transfers, checkpoint=checkpoint)


def lambda_context() -> Any:
    return LambdaContext(functions()["payouts"])


def stored_payout(ctx: AppContext, partner_id: str, currency: str = "USD") -> Payout | None:
    return ctx.payouts.get(partner_id, PERIOD, currency)


def ledger(ctx: AppContext, partner_id: str) -> list[Commission]:
    pk, prefix = keys.commissions_prefix(partner_id)
    items = ctx.table.query_all("pk = :pk AND begins_with(sk, :p)", {":pk": pk, ":p": prefix}, consistent=True)
    return [Commission.from_item(i) for i in items]


def payable_ids(ctx: AppContext) -> set[str]:
    found = set()
    for shard in range(keys.PAYABLE_SHARDS):
        found |= {c.commission_id for c in ctx.payouts.payable_entries(shard, "9999")}
    return found


def assert_exactly_once(ctx: AppContext, fake: FakeStripe, partner_ids: list[str]) -> None:
    """Every transfer belongs to one payout, once; each payout pays exactly the entries claimed by it."""
    by_payout = Counter(t.metadata["payout_id"] for t in fake.transfers)
    assert all(count == 1 for count in by_payout.values()), by_payout
    for partner_id in partner_ids:
        payout = stored_payout(ctx, partner_id)
        assert payout is not None
        assert payout.status is PayoutStatus.PAID
        entries = ledger(ctx, partner_id)
        claimed = [e for e in entries if e.payout_id == payout.payout_id]
        assert len(claimed) == len(entries), "every commission claimed by exactly this payout"
        assert all(e.status is CommissionStatus.PAID for e in claimed)
        assert sum(e.amount.amount for e in claimed) == payout.amount.amount
        [transfer] = fake.transfers_for(payout.payout_id)
        assert transfer.amount == payout.amount.amount
        assert transfer.id == payout.stripe_transfer_id


def test_partners_are_paid_once_through_stripe_and_their_entries_claimed(
    ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given two Connect partners with October commissions past their hold period
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.partner("p_bob"))
    lf.given(ctx.table, lf.commission("p_ada", 6000), lf.commission("p_ada", 4000), lf.commission("p_bob", 7500))

    # When the October run runs twice
    first = runner(ctx, fake_stripe).run(PERIOD)
    second = runner(ctx, fake_stripe).run(PERIOD)

    # Then each partner got one transfer of its total, grouped by the period, and nothing is payable any more
    assert first.paid == 2 and first.paid_amounts == {"USD": 17500}
    assert second.paid == 0 and second.already_done == 0
    assert sorted((t.destination, t.amount, t.currency, t.transfer_group) for t in fake_stripe.transfers) == [
        ("acct_pada", 10000, "usd", PERIOD),
        ("acct_pbob", 7500, "usd", PERIOD),
    ]
    assert_exactly_once(ctx, fake_stripe, ["p_ada", "p_bob"])
    assert payable_ids(ctx) == set()


@pytest.mark.parametrize("checkpoint", CHECKPOINTS)
def test_a_run_killed_after_any_step_and_run_again_pays_nobody_twice(
    ctx: AppContext, fake_stripe: FakeStripe, checkpoint: str
) -> None:
    # Given one partner whose 150 entries take two claim transactions, and two smaller partners
    lf.given(ctx.table, lf.program(), lf.partner("p_big"), lf.partner("p_ada"), lf.partner("p_bob"))
    entries = [lf.commission("p_big", 100) for _ in range(150)]
    lf.given(
        ctx.table, *entries, lf.commission("p_ada", 9000), lf.commission("p_bob", 8000), lf.commission("p_bob", -500)
    )

    # When the run dies the first time it reaches the checkpoint
    def crash_once(name: str, fired: list[str] = []) -> None:  # noqa: B006 - remembers across calls on purpose
        if name == checkpoint and not fired:
            fired.append(name)
            raise Crash(name)

    with pytest.raises(Crash):
        runner(ctx, fake_stripe, crash_once).run(PERIOD, shards=range(keys.PAYABLE_SHARDS))
    # ... and the run is started again (twice: a re-run of a finished run changes nothing)
    runner(ctx, fake_stripe).run(PERIOD)
    runner(ctx, fake_stripe).run(PERIOD)

    # Then every partner was paid exactly once the sum of exactly its entries
    assert_exactly_once(ctx, fake_stripe, ["p_big", "p_ada", "p_bob"])
    assert len(fake_stripe.transfers) == 3
    big = stored_payout(ctx, "p_big")
    assert big is not None and big.amount.amount == 15000 and big.commission_count == 150


def test_a_response_lost_after_stripe_made_the_transfer_is_recovered_with_the_same_key(
    ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given Stripe makes the transfer but the connection drops before the answer
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    fake_stripe.lose_response_next = 1

    # When the run runs, and again
    first = runner(ctx, fake_stripe).run(PERIOD)
    pending = stored_payout(ctx, "p_ada")
    runner(ctx, fake_stripe).run(PERIOD)

    # Then the first run left the payout pending, the second got Stripe's stored transfer: one transfer in all
    assert first.retry_later == 1 and pending is not None and pending.status is PayoutStatus.PENDING
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])


def test_a_retry_after_stripe_forgot_the_key_finds_the_transfer_instead_of_paying_twice(
    ctx: AppContext, fake_stripe: FakeStripe, clock: Any
) -> None:
    # Given Stripe made the transfer but the answer was lost, and the retry comes a month later, when Stripe
    # no longer remembers the idempotency key
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    fake_stripe.lose_response_next = 1
    runner(ctx, fake_stripe).run(PERIOD)
    fake_stripe.forget_idempotency_keys()
    clock.advance(days=31)

    # When the next run retries the payout
    runner(ctx, fake_stripe).run(PERIOD)

    # Then it found the period's transfer that names this payout: one transfer, and the payout is paid
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])
    paid = stored_payout(ctx, "p_ada")
    assert paid is not None and paid.status is PayoutStatus.PAID
    assert paid.stripe_transfer_id == fake_stripe.transfers[0].id
    assert fake_stripe.transfers[0].transfer_group == PERIOD


def test_a_declined_payout_is_retried_to_the_account_the_partner_connected_since(
    ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given a payout declined because the partner's Connect account was not ready
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    fake_stripe.accounts_not_ready = {"acct_pada"}
    runner(ctx, fake_stripe).run(PERIOD)
    # When the partner connects another account and the next run comes
    lf.given(ctx.table, lf.partner("p_ada", account="acct_adanew"))
    ctx.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    runner(ctx, fake_stripe).run("2026-11")
    # Then the payout went, once, to the new account
    assert [(t.destination, t.amount) for t in fake_stripe.transfers] == [("acct_adanew", 9000)]
    paid = stored_payout(ctx, "p_ada")
    assert paid is not None and paid.status is PayoutStatus.PAID and paid.destination == "acct_adanew"


def test_a_balance_below_the_minimum_carries_over_untouched(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given a partner with 40.00 USD payable and a 50.00 minimum
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"))
    entry = lf.commission("p_ada", 4000)
    lf.given(ctx.table, entry)

    # When the run runs
    summary = runner(ctx, fake_stripe).run(PERIOD)

    # Then nothing is paid, no payout exists and the entry is still payable for the next period
    assert summary.carried_over == 1 and summary.paid == 0
    assert fake_stripe.transfers == []
    assert stored_payout(ctx, "p_ada") is None
    assert payable_ids(ctx) == {entry.commission_id}


def test_a_clawback_is_netted_and_a_negative_balance_carries_over(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given Ada earned 80.00 and had a 20.00 refund clawed back; Bob owes more than he earned
    sale = lf.commission("p_ada", 8000)
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.partner("p_bob"), sale)
    lf.given(ctx.table, lf.commission("p_ada", -2000, reverses=sale.commission_id))
    lf.given(ctx.table, lf.commission("p_bob", 1000), lf.commission("p_bob", -3000))

    # When the run runs
    summary = runner(ctx, fake_stripe).run(PERIOD)

    # Then Ada gets 60.00; Bob gets nothing and his entries stay to net against future commissions
    assert [t.amount for t in fake_stripe.transfers] == [6000]
    assert summary.paid == 1 and summary.carried_over == 1
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])
    assert {e.commission_id for e in ledger(ctx, "p_bob")} == payable_ids(ctx)


def test_each_currency_is_a_payout_of_its_own(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given a partner with USD and EUR commissions
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"))
    lf.given(ctx.table, lf.commission("p_ada", 6000, "USD"), lf.commission("p_ada", 7000, "EUR"))

    # When the run runs
    runner(ctx, fake_stripe).run(PERIOD)

    # Then two payouts and two transfers, one per currency
    assert sorted((t.currency, t.amount) for t in fake_stripe.transfers) == [("eur", 7000), ("usd", 6000)]
    usd, eur = stored_payout(ctx, "p_ada", "USD"), stored_payout(ctx, "p_ada", "EUR")
    assert usd is not None and eur is not None and usd.payout_id != eur.payout_id
    assert usd.status is eur.status is PayoutStatus.PAID


def test_commissions_still_in_their_hold_period_wait(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given one entry available in October and one only on 5 November (after the cutoff)
    late = lf.commission("p_ada", 9000, available_at=datetime(2026, 11, 5, tzinfo=UTC), status=CommissionStatus.PENDING)
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 6000), late)

    # When October is paid
    runner(ctx, fake_stripe).run(PERIOD)

    # Then only the October entry is paid
    assert [t.amount for t in fake_stripe.transfers] == [6000]
    assert payable_ids(ctx) == {late.commission_id}


@pytest.mark.parametrize(
    ("status", "method", "reason_part"),
    [
        (PartnerStatus.PAUSED, PayoutMethodKind.STRIPE_CONNECT, "paused"),
        (PartnerStatus.TERMINATED, PayoutMethodKind.STRIPE_CONNECT, "terminated"),
        (PartnerStatus.ACTIVE, PayoutMethodKind.NONE, "no payout method"),
    ],
)
def test_a_partner_that_cannot_be_paid_is_withheld_with_a_reason(
    ctx: AppContext, fake_stripe: FakeStripe, status: PartnerStatus, method: PayoutMethodKind, reason_part: str
) -> None:
    # Given a partner that cannot be paid now
    entry = lf.commission("p_ada", 9000)
    lf.given(ctx.table, lf.program(), lf.partner("p_ada", status=status, method=method), entry)

    # When the run runs
    summary = runner(ctx, fake_stripe).run(PERIOD)

    # Then no transfer, a withheld record the partner can read, and the entry stays payable
    assert summary.withheld == 1 and fake_stripe.transfers == []
    withheld = stored_payout(ctx, "p_ada")
    assert withheld is not None and withheld.status is PayoutStatus.WITHHELD
    assert withheld.withheld_reason is not None and reason_part in withheld.withheld_reason
    assert payable_ids(ctx) == {entry.commission_id}

    # When the partner is put right and the period is run again
    lf.given(ctx.table, lf.partner("p_ada"))
    runner(ctx, fake_stripe).run(PERIOD)

    # Then the same payout is paid, once
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])


def test_a_declined_transfer_fails_with_a_reason_and_is_retried_next_run(
    ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given the partner's Connect account cannot receive transfers yet
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    fake_stripe.accounts_not_ready = {"acct_pada"}

    # When the run runs twice while the account is not ready
    first = runner(ctx, fake_stripe).run(PERIOD)
    runner(ctx, fake_stripe).run(PERIOD)
    failed = stored_payout(ctx, "p_ada")

    # Then the payout failed with Stripe's reason and nothing was transferred
    assert first.failed == 1 and fake_stripe.transfers == []
    assert failed is not None and failed.status is PayoutStatus.FAILED
    assert failed.failure_reason is not None and "insufficient_capabilities_for_transfer" in failed.failure_reason

    # When the account is ready and the next run (November's) comes
    fake_stripe.accounts_not_ready = set()
    ctx.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    runner(ctx, fake_stripe).run("2026-11")

    # Then the October payout is paid once, its entries untouched by the November run
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])


def test_insufficient_platform_balance_fails_then_pays(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    fake_stripe.insufficient_balance = True
    runner(ctx, fake_stripe).run(PERIOD)
    failed = stored_payout(ctx, "p_ada")
    assert failed is not None and failed.failure_reason is not None and "balance_insufficient" in failed.failure_reason

    fake_stripe.insufficient_balance = False
    runner(ctx, fake_stripe).run(PERIOD)
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])


def test_stripe_rate_limits_are_waited_out(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given Stripe answers 429 twice
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    fake_stripe.rate_limit_next = 2

    # When the run runs
    summary = runner(ctx, fake_stripe).run(PERIOD)

    # Then it backed off and paid once
    assert summary.paid == 1 and fake_stripe.requests >= 3
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])


def test_an_entry_held_while_the_run_claims_is_left_out_of_the_amount(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given two entries, one of which a dispute holds right after the run read what is payable
    disputed = lf.commission("p_ada", 3000)
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000), disputed)

    def dispute_arrives(name: str) -> None:
        if name == "payable_read":
            ctx.table.update(
                keys.commission("p_ada", disputed.commission_id),
                "SET #s = :held REMOVE gsi2pk, gsi2sk",
                condition="attribute_not_exists(payout_id)",
                names={"#s": "status"},
                values={":held": "held"},
            )

    # When the run runs
    runner(ctx, fake_stripe, dispute_arrives).run(PERIOD)

    # Then the payout pays exactly the entry it claimed, and the held entry is not claimed
    payout = stored_payout(ctx, "p_ada")
    assert payout is not None and payout.amount.amount == 9000 and payout.commission_count == 1
    assert [t.amount for t in fake_stripe.transfers] == [9000]
    held = next(e for e in ledger(ctx, "p_ada") if e.commission_id == disputed.commission_id)
    assert held.status is CommissionStatus.HELD and held.payout_id is None


def test_manual_payouts_wait_for_finance_and_are_never_sent_to_stripe(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given a partner paid through PayPal
    lf.given(ctx.table, lf.program(), lf.partner("p_ada", method=PayoutMethodKind.PAYPAL), lf.commission("p_ada", 9000))

    # When the run runs twice
    summary = runner(ctx, fake_stripe).run(PERIOD)
    runner(ctx, fake_stripe).run(PERIOD)

    # Then the payout is pending for finance, with its entries claimed, and Stripe was never called
    payout = stored_payout(ctx, "p_ada")
    assert summary.pending_manual == 1 and fake_stripe.requests == 0
    assert payout is not None and payout.status is PayoutStatus.PENDING
    assert payout.payout_id == payout_id("p_ada", PERIOD, "USD")
    assert all(e.payout_id == payout.payout_id for e in ledger(ctx, "p_ada"))


def test_preview_computes_without_writing(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.partner("p_low"), lf.commission("p_ada", 9000))
    lf.given(ctx.table, lf.commission("p_low", 100))
    preview = runner(ctx, fake_stripe).preview(PERIOD)
    assert preview["payable_totals"] == {"USD": 9000}
    assert [(line["partner_id"], line["outcome"]) for line in preview["lines"]] == [
        ("p_ada", "pay"),
        ("p_low", "carry_over"),
    ]
    assert stored_payout(ctx, "p_ada") is None and fake_stripe.requests == 0


def test_the_function_answers_a_bad_period_with_an_error_result_and_previews_a_good_one(ctx: AppContext) -> None:
    # Given the payouts function wired to this test's table and clock (the `ctx` fixture)
    from functions.payouts import app

    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))

    # When it is invoked with a bad period, then as a dry run for October
    bad = app.handler({"period": "2026-13"}, lambda_context())
    preview = app.handler({"period": PERIOD, "dry_run": True}, lambda_context())

    # Then the first is a clear error result, the second a preview that wrote nothing
    assert bad == {"status": "error", "error": {"code": "invalid_period", "message": bad["error"]["message"]}}
    assert preview["status"] == "preview" and preview["payable_totals"] == {"USD": 9000}
    assert stored_payout(ctx, "p_ada") is None


def test_a_shard_message_from_the_queue_pays_that_shard(
    ctx: AppContext, fake_stripe: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function as an SQS worker, Stripe's base URL pointing at the fake server
    from functions.payouts import app

    monkeypatch.setenv("STRIPE_API_BASE", fake_stripe.url)
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    body = json.dumps({"period": PERIOD, "shard": keys.payable_shard("p_ada")})
    record = {"messageId": "m1", "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {}}

    # When the worker gets the shard's message
    result = app.handler({"Records": [{**record, "eventSource": "aws:sqs"}]}, lambda_context())

    # Then no item failed and the partner was paid once
    assert result == {"batchItemFailures": []}
    assert_exactly_once(ctx, fake_stripe, ["p_ada"])


def test_two_runs_racing_on_the_same_period_pay_each_partner_once(ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given twelve partners, one with two claim chunks
    partner_ids = [f"p_{n:02d}" for n in range(12)]
    lf.given(ctx.table, lf.program(), *(lf.partner(p) for p in partner_ids))
    lf.given(ctx.table, *(lf.commission(p, 6000) for p in partner_ids))
    lf.given(ctx.table, *(lf.commission("p_00", 100) for _ in range(120)))

    # When a scheduler retry and a manual invoke run October at the same time
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: runner(ctx, fake_stripe).run(PERIOD), range(2)))
    runner(ctx, fake_stripe).run(PERIOD)

    # Then each partner got exactly one transfer of exactly its entries
    assert_exactly_once(ctx, fake_stripe, partner_ids)
    assert len(fake_stripe.transfers) == 12


def test_the_function_refuses_to_pay_a_month_that_has_not_ended_and_never_pays_inside_a_hold(
    ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given on 2026-11-23 a partner with $90 payable since October and $50 whose hold ends on 2026-12-23
    from functions.payouts import app

    hold_ends = datetime(2026, 12, 23, 12, 0, tzinfo=UTC)
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    lf.given(ctx.table, lf.commission("p_ada", 5000, available_at=hold_ends))
    ctx.clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # type: ignore[attr-defined]

    # When an operator invokes the function for December, then as a dry run
    refused = app.handler({"period": "2026-12"}, lambda_context())
    preview = app.handler({"period": "2026-12", "dry_run": True}, lambda_context())

    # Then the run is a clear error result that paid nobody, and the preview counts only the $90
    assert refused["status"] == "error" and refused["error"]["code"] == "period_not_ended", refused
    assert fake_stripe.transfers == [] and stored_payout(ctx, "p_ada") is None
    assert preview["payable_totals"] == {"USD": 9000}

    # When the run is called directly for December (the code path the queue workers use)
    with pytest.raises(Conflict):
        runner(ctx, fake_stripe).run("2026-12")
    # Then nothing was paid either; and when December has ended, its run pays both
    assert fake_stripe.transfers == []
    ctx.clock.set(datetime(2027, 1, 1, 0, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    runner(ctx, fake_stripe).run("2026-12")
    assert [t.amount for t in fake_stripe.transfers] == [14000]


def test_an_entry_whose_hold_ends_exactly_at_the_cutoff_waits_for_the_next_period(
    ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given an entry payable from 2026-11-01 00:00 UTC exactly, the cutoff of October's run
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"))
    lf.given(ctx.table, lf.commission("p_ada", 9000, available_at=datetime(2026, 11, 1, tzinfo=UTC)))
    # When October is paid
    runner(ctx, fake_stripe).run(PERIOD)
    # Then it is not (it belongs to November)
    assert fake_stripe.transfers == []
