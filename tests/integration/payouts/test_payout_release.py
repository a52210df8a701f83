"""Finance releases a payout the run flagged `needs_review`: its entries go back to payable (the balance
aggregates with them), the payout is marked released with who did it and why, a repeat or a racing release
gives nothing back twice, and the next period's run pays those entries exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.audit import service as audit
from shared.commissions.models import BalanceTotals, Commission, CommissionStatus
from shared.commissions.rebuild import rebuild_partner
from shared.commissions.store import LedgerWrite, WriteOutcome
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.core.money import Money
from shared.partners.models import PayoutMethodKind
from shared.payouts.models import Payout, PayoutStatus
from shared.payouts.rules import payout_id
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from shared.web.config import web_config
from tests.helpers import ledger_factories as lf
from tests.helpers.api import ApiClient, ApiResponse
from tests.helpers.browser_client import PageClient
from tests.helpers.factories import ADMIN
from tests.helpers.fake_stripe import FakeStripe
from tests.model.ledger_model import expected_totals

PERIOD = "2026-10"
RELEASE = f"/admin/payouts/p_ada/{PERIOD}/USD/release"


def runner(ctx: AppContext, fake: FakeStripe, checkpoint: object = None) -> PayoutRun:
    transfers = StripeTransfers("sk_test_local", api_base=fake.url, sleep=lambda _: None)
    return PayoutRun(ctx, transfers, checkpoint=checkpoint) if checkpoint else PayoutRun(ctx, transfers)  # type: ignore[arg-type]


def entry(ctx: AppContext, commission_id: str) -> Commission:
    return next(e for e in ctx.commissions.all_for_partner("p_ada") if e.commission_id == commission_id)


def move(ctx: AppContext, commission_id: str, status: CommissionStatus) -> None:
    """The ledger moves an entry (a dispute opens or closes), aggregates and all."""
    before = entry(ctx, commission_id)
    after = before.model_copy(update={"status": status, "updated_at": ctx.clock.now()})
    assert (
        ctx.commissions.write(LedgerWrite(ctx.clock.now(), changed_entries=[(before, after)])) is WriteOutcome.APPLIED
    )


def payable_ids(ctx: AppContext) -> set[str]:
    found: set[str] = set()
    for shard in range(keys.PAYABLE_SHARDS):
        found |= {c.commission_id for c in ctx.payouts.payable_entries(shard, "9999")}
    return found


def assert_aggregates_are_the_sums(ctx: AppContext) -> None:
    entries = ctx.commissions.all_for_partner("p_ada")
    totals, _ = ctx.commissions.balance_items("p_ada", "0000-00-00", consistent=True)
    assert {t.currency: {n: getattr(t, n) for n in BalanceTotals.SUMS} for t in totals} == expected_totals(entries)


def release(api: ApiClient, reason: str = "dispute won; pay with November", container: int = 0) -> ApiResponse:
    return api.post(RELEASE, json={"reason": reason}, headers=ADMIN, container=container)


@pytest.fixture
def in_review(ctx: AppContext, fake_stripe: FakeStripe) -> tuple[Commission, Commission]:
    """Ada's October: an 80.00 sale and its 20.00 refund clawback. A dispute holds the sale right after the run
    read what is payable, so the run claims only the clawback: a payout of -20.00, flagged needs_review."""
    sale = lf.commission("p_ada", 8000)
    clawback = lf.commission("p_ada", -2000, reverses=sale.commission_id)
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), sale, clawback)
    assert rebuild_partner(ctx, "p_ada").applied

    def dispute_opens(name: str) -> None:
        if name == "payable_read":
            move(ctx, sale.commission_id, CommissionStatus.HELD)

    summary = runner(ctx, fake_stripe, dispute_opens).run(PERIOD, shards=[keys.payable_shard("p_ada")])
    payout = ctx.payouts.get("p_ada", PERIOD, "USD")
    assert summary.needs_review == 1 and payout is not None and payout.status is PayoutStatus.NEEDS_REVIEW
    assert (payout.amount.amount, entry(ctx, clawback.commission_id).payout_id) == (-2000, payout.payout_id)
    return sale, clawback


def test_a_released_payout_gives_its_entries_back_and_the_next_run_pays_them_once(
    api: ApiClient,
    ctx: AppContext,
    clock: FixedClock,
    fake_stripe: FakeStripe,
    in_review: tuple[Commission, Commission],
) -> None:
    sale, clawback = in_review
    # Given the payout waits in the review queue, and the dispute then closes in the merchant's favour
    queue = api.get("/admin/review", headers=ADMIN)
    assert [(p["partner_id"], p["period"], p["status"]) for p in queue.json["payouts"]] == [
        ("p_ada", PERIOD, "needs_review")
    ]
    move(ctx, sale.commission_id, CommissionStatus.PENDING)

    # When finance releases the payout with a reason
    response = release(api)

    # Then the payout is released (who, when, why; it holds nothing), the clawback is payable again,
    # the aggregates still equal the sums, and the review queue no longer lists it
    assert response.status == 200, response.body
    shown = response.json
    assert (shown["status"], shown["amount"]["amount"], shown["commission_count"]) == ("released", 0, 0)
    assert shown["release_reason"] == "dispute won; pay with November" and shown["released_by"]
    assert shown["released_at"]
    back = entry(ctx, clawback.commission_id)
    assert (back.status, back.payout_id) == (CommissionStatus.PENDING, None)
    assert payable_ids(ctx) == {sale.commission_id, clawback.commission_id}
    assert_aggregates_are_the_sums(ctx)
    assert api.get("/admin/review", headers=ADMIN).json["payouts"] == []

    # When November's run runs after the month ends
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    summary = runner(ctx, fake_stripe).run("2026-11")

    # Then Ada is paid 60.00 exactly once, by the November payout, for both entries
    november = ctx.payouts.get("p_ada", "2026-11", "USD")
    assert november is not None and november.status is PayoutStatus.PAID
    assert summary.paid == 1 and [t.amount for t in fake_stripe.transfers] == [6000]
    assert {e.payout_id for e in ctx.commissions.all_for_partner("p_ada")} == {november.payout_id}
    assert_aggregates_are_the_sums(ctx)
    # And running November again pays nobody twice
    assert runner(ctx, fake_stripe).run("2026-11").paid == 0 and len(fake_stripe.transfers) == 1


def test_a_repeated_release_answers_the_same_payout_and_gives_nothing_back_twice(
    api: ApiClient, ctx: AppContext, in_review: tuple[Commission, Commission]
) -> None:
    # Given a payout released once
    first = release(api)
    assert first.status == 200
    # When finance releases it again (a retry, another reason)
    second = release(api, reason="clicked twice")
    # Then the answer is the stored release, the ledger moved once, and the audit trail has one release
    assert second.status == 200 and second.json == first.json
    assert_aggregates_are_the_sums(ctx)
    trail = [e for e in audit.partner_trail(ctx, "p_ada") if e.action == "payout.released"]
    assert len(trail) == 1 and trail[0].detail is not None and "dispute won" in trail[0].detail


def test_two_racing_releases_give_each_entry_back_once(
    api: ApiClient, ctx: AppContext, in_review: tuple[Commission, Commission]
) -> None:
    _, clawback = in_review
    # When two members of finance release the payout at the same moment
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda c: release(api, container=c), [0, 1]))
    # Then each answer is the released payout or a 409, at least one released it, and the ledger moved once
    assert {a.status for a in answers} <= {200, 409} and 200 in {a.status for a in answers}
    assert_aggregates_are_the_sums(ctx)
    back = entry(ctx, clawback.commission_id)
    assert (back.status, back.payout_id) == (CommissionStatus.PENDING, None)
    totals, _ = ctx.commissions.balance_items("p_ada", "0000-00-00", consistent=True)
    assert [t.paid for t in totals] == [0]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "ok", "extra": 1}])
def test_a_release_needs_a_reason(
    api: ApiClient, in_review: tuple[Commission, Commission], body: dict[str, object]
) -> None:
    response = api.post(RELEASE, json=body, headers=ADMIN)
    assert response.status == 422 and response.error_code == "validation_error"


def test_only_a_payout_in_review_can_be_released(api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given a payout the run paid
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), lf.commission("p_ada", 9000))
    assert rebuild_partner(ctx, "p_ada").applied
    runner(ctx, fake_stripe).run(PERIOD)
    # When finance tries to release it, or one that does not exist
    paid = release(api)
    missing = api.post(f"/admin/payouts/p_bob/{PERIOD}/USD/release", json={"reason": "why not"}, headers=ADMIN)
    # Then 409 and 404, and nothing moved
    assert (paid.status, paid.error_code) == (409, "payout_not_in_review")
    assert missing.status == 404
    assert ctx.payouts.get("p_ada", PERIOD, "USD").status is PayoutStatus.PAID  # type: ignore[union-attr]


def test_a_payout_of_many_entries_is_released_chunk_by_chunk_and_nothing_is_given_back_twice(
    api: ApiClient, ctx: AppContext
) -> None:
    # Given a needs_review payout that claimed 200 entries (100 sales of 10.00 and their 100 full clawbacks)
    pid, now = "p_ada", ctx.clock.now()
    payout_of = payout_id(pid, PERIOD, "USD")
    sales = [lf.commission(pid, 1000) for _ in range(100)]
    clawbacks = [lf.commission(pid, -1000, reverses=s.commission_id) for s in sales]
    claimed = [
        e.model_copy(update={"status": CommissionStatus.PAID, "payout_id": payout_of}) for e in sales + clawbacks
    ]
    lf.given(ctx.table, lf.program(), lf.partner(pid), *claimed)
    lf.given(ctx.table, lf.commission(pid, 500))  # and one entry the payout never claimed
    ids = [e.commission_id for e in claimed]
    ctx.table.put(
        Payout(
            payout_id=payout_of, partner_id=pid, program_id="default", period=PERIOD, amount=Money.of(0, "USD"),
            status=PayoutStatus.NEEDS_REVIEW, method=PayoutMethodKind.STRIPE_CONNECT, commission_ids=ids,
            commission_amounts=[e.amount.amount for e in claimed], chunk_size=97, claimed_chunks=3,
            commission_count=200, failure_reason="not positive", created_at=now, updated_at=now,
        ).to_item()
    )  # fmt: skip
    assert rebuild_partner(ctx, pid).applied

    # When finance releases it (three transactions of at most 90 entries), then again
    first, again = release(api), release(api, reason="again")

    # Then every claimed entry is payable again exactly once, the untouched one too, and the sums still hold
    assert first.status == again.status == 200 and first.json == again.json
    assert (first.json["status"], first.json["commission_count"]) == ("released", 0)
    entries = ctx.commissions.all_for_partner(pid)
    assert {(e.status, e.payout_id) for e in entries} == {
        (CommissionStatus.PENDING, None),
        (CommissionStatus.APPROVED, None),
    }
    assert len(payable_ids(ctx)) == 201
    assert_aggregates_are_the_sums(ctx)
    totals, _ = ctx.commissions.balance_items(pid, "0000-00-00", consistent=True)
    assert [(t.paid, t.unpaid) for t in totals] == [(0, 500)]


def test_finance_releases_a_payout_from_the_console_review_queue(
    api: ApiClient,
    ctx: AppContext,
    in_review: tuple[Commission, Commission],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, clawback = in_review
    # Given finance signed in to the console
    monkeypatch.setenv("STAFF_EMAILS", "finance@company.example")
    monkeypatch.setenv("MAIL_DIR", str(tmp_path))
    monkeypatch.delenv("MAIL_TRANSPORT", raising=False)
    web_config.cache_clear()
    staff = PageClient(api, ip="198.51.100.30")
    assert staff.sign_in("finance@company.example", tmp_path, area="/console").status == 303

    # When it opens the review queue, then the payout waits there with its period and amount
    assert staff.get("/console/review").status == 200
    assert "Payouts waiting for finance" in staff.text and PERIOD in staff.text and "-$20.00" in staff.text

    # When it releases without a reason, then it is asked for one and nothing moves
    form = f"/console/review/payouts/p_ada/{PERIOD}/USD/release"
    assert staff.post(form, {"reason": ""}).status == 422
    waiting = ctx.payouts.get("p_ada", PERIOD, "USD")
    assert waiting is not None and waiting.status is PayoutStatus.NEEDS_REVIEW

    # When it releases with a reason (and the form is posted twice)
    token = staff.csrf()
    assert staff.post(form, {"reason": "dispute won; pay with November"}, csrf=token).status == 303
    assert staff.post(form, {"reason": "dispute won; pay with November"}, csrf=token).status == 303

    # Then the payout is released by that staff member, its entry is payable again, one audit record says so,
    # and the queue no longer lists it
    released = ctx.payouts.get("p_ada", PERIOD, "USD")
    assert released is not None and released.status is PayoutStatus.RELEASED
    assert released.released_by == "finance@company.example"
    assert (entry(ctx, clawback.commission_id).status, entry(ctx, clawback.commission_id).payout_id) == (
        CommissionStatus.PENDING,
        None,
    )
    assert_aggregates_are_the_sums(ctx)
    records = [r for r in audit.program_trail(ctx) if r.action == "payout.released"]
    assert len(records) == 1 and records[0].actor == "finance@company.example"
    staff.get("/console/review")
    assert "No payout waits for finance." in staff.text
    web_config.cache_clear()
