"""Payout rules without a database: periods, cutoffs, netting, minimums, withholding, statements, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.commissions.models import CommissionSource, CommissionStatus
from shared.core.clock import FixedClock
from shared.core.errors import BadRequest, Conflict
from shared.core.money import Money
from shared.partners.models import PartnerStatus, PayoutMethodKind
from shared.payouts.models import (
    CLAIM_CHUNK_SIZE,
    LEGACY_CLAIM_CHUNK_SIZE,
    Payout,
    PayoutStatus,
    claim_chunk_size,
)
from shared.payouts.rules import (
    Outcome,
    decide,
    ensure_period_ended,
    group_balances,
    manual_export_csv,
    parse_period,
    payable_cutoff,
    payout_id,
    period_cutoff,
    previous_period,
    reversal_available_at,
    statement,
    statement_csv,
    withholding_reason,
)
from shared.payouts.run import parse_invocation, scheduled_period
from tests.helpers import ledger_factories as lf

CUTOFF = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "26-10", "2026-1", "2026/10", "", None, 202610, "1999-12"])
def test_a_period_is_a_month(bad: object) -> None:
    with pytest.raises(BadRequest) as error:
        parse_period(bad)
    assert error.value.code == "invalid_period"


def test_the_cutoff_is_the_start_of_the_next_month_in_the_program_timezone() -> None:
    assert period_cutoff("2026-10") == CUTOFF
    assert period_cutoff("2026-12") == datetime(2027, 1, 1, tzinfo=UTC)
    # Berlin is UTC+1 in November: its 1 November starts at 23:00 UTC the day before.
    assert period_cutoff("2026-10", "Europe/Berlin") == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)


def test_a_scheduled_run_pays_the_previous_month_where_the_program_lives() -> None:
    assert previous_period(datetime(2026, 11, 1, 6, 0, tzinfo=UTC)) == "2026-10"
    assert previous_period(datetime(2026, 1, 1, 6, 0, tzinfo=UTC)) == "2025-12"
    # 31 Oct 23:30 UTC is already 1 November in Berlin
    assert previous_period(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "Europe/Berlin") == "2026-10"
    assert previous_period(datetime(2026, 10, 31, 23, 30, tzinfo=UTC)) == "2026-09"


def test_payout_ids_are_stable_and_distinct_per_currency() -> None:
    assert payout_id("p1", "2026-10", "USD") == payout_id("p1", "2026-10", "USD")
    assert payout_id("p1", "2026-10", "USD") != payout_id("p1", "2026-10", "EUR")
    assert payout_id("p1", "2026-10", "USD") != payout_id("p1", "2026-11", "USD")


def test_balances_net_per_partner_per_currency_and_skip_what_is_not_payable() -> None:
    entries = [
        lf.commission("p1", 5000),
        lf.commission("p1", -1200),
        lf.commission("p1", 3000, "EUR"),
        lf.commission("p2", 7000, available_at=datetime(2026, 11, 2, tzinfo=UTC)),  # still on hold at the cutoff
        lf.commission("p2", 900, status=CommissionStatus.HELD),
    ]
    balances = group_balances(entries, CUTOFF)
    assert [(b.partner_id, b.currency, b.total.amount) for b in balances] == [("p1", "EUR", 3000), ("p1", "USD", 3800)]


@pytest.mark.parametrize(
    ("amounts", "outcome"),
    [
        ([4999], Outcome.CARRY_OVER),
        ([5000], Outcome.PAY),
        ([1000, -3000], Outcome.CARRY_OVER),
        ([-10], Outcome.CARRY_OVER),
    ],
)
def test_minimum_and_non_positive_balances_carry_over(amounts: list[int], outcome: Outcome) -> None:
    [balance] = group_balances([lf.commission("p1", a) for a in amounts], CUTOFF)
    assert decide(balance, lf.partner("p1"), lf.program()).outcome is outcome


@pytest.mark.parametrize(
    ("status", "method", "words"),
    [
        (PartnerStatus.PAUSED, PayoutMethodKind.STRIPE_CONNECT, "paused"),
        (PartnerStatus.TERMINATED, PayoutMethodKind.PAYPAL, "terminated"),
        (PartnerStatus.PENDING, PayoutMethodKind.STRIPE_CONNECT, "not approved"),
        (PartnerStatus.ACTIVE, PayoutMethodKind.NONE, "no payout method"),
    ],
)
def test_partners_that_cannot_be_paid_are_withheld_with_a_readable_reason(
    status: PartnerStatus, method: PayoutMethodKind, words: str
) -> None:
    [balance] = group_balances([lf.commission("p1", 9000)], CUTOFF)
    decision = decide(balance, lf.partner("p1", status=status, method=method), lf.program())
    assert decision.outcome is Outcome.WITHHELD and decision.reason is not None and words in decision.reason


def test_a_payable_partner_is_paid_to_its_method() -> None:
    [balance] = group_balances([lf.commission("p1", 9000)], CUTOFF)
    decision = decide(balance, lf.partner("p1", account="acct_X1"), lf.program())
    assert (decision.outcome, decision.method, decision.destination) == (
        Outcome.PAY,
        PayoutMethodKind.STRIPE_CONNECT,
        "acct_X1",
    )


@given(st.lists(st.integers(min_value=-50_000, max_value=50_000), min_size=1, max_size=60))
def test_the_netted_total_is_the_exact_sum_and_the_decision_follows_it(amounts: list[int]) -> None:
    # Property: whatever the mix of commissions and clawbacks, the balance is their exact sum, and
    # the run pays only a total at or above the minimum.
    [balance] = group_balances([lf.commission("p1", a) for a in amounts], CUTOFF)
    assert balance.total.amount == sum(amounts)
    paid = decide(balance, lf.partner("p1"), lf.program()).outcome is Outcome.PAY
    assert paid == (sum(amounts) >= 5000)


def _payout(ids: list[str], amounts: list[int]) -> Payout:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    return Payout(
        payout_id="po_1",
        partner_id="p1",
        program_id="default",
        period="2026-10",
        amount=Money.of(sum(amounts), "USD"),
        method=PayoutMethodKind.PAYPAL,
        destination="=HYPERLINK(evil)",
        commission_ids=ids,
        commission_amounts=amounts,
        status=PayoutStatus.PENDING,
        created_at=now,
        updated_at=now,
    )


def test_the_claim_plan_splits_into_transactions_of_at_most_100_items() -> None:
    # Given a plan of 250 entries, made with the balance aggregates (one totals update per chunk)
    ids = [f"c{i}" for i in range(250)]
    payout = _payout(ids, [1] * 250).model_copy(update={"chunk_size": claim_chunk_size(0)})
    # Then chunks of 97: the payout item, the totals update and the payout's event ride in the same transaction
    assert payout.chunk_count == 3 and payout.keeps_balances
    assert [len(payout.chunk(i)) for i in range(3)] == [CLAIM_CHUNK_SIZE, CLAIM_CHUNK_SIZE, 250 - 2 * CLAIM_CHUNK_SIZE]
    assert CLAIM_CHUNK_SIZE + 3 <= 100
    # And a plan with entries still releasing on 3 days leaves room for their 3 release-day updates
    assert claim_chunk_size(3) + 3 + 3 <= 100
    assert payout.idempotency_key == "payout-po_1-attempt-1"


def test_a_plan_made_before_the_balance_aggregates_keeps_its_chunks_of_99() -> None:
    # Given a payout item stored by the previous version (no chunk size): a resumed run must claim the same
    # windows the stored cursor counts
    legacy = _payout([f"c{i}" for i in range(250)], [1] * 250)
    assert not legacy.keeps_balances and legacy.entries_per_chunk == LEGACY_CLAIM_CHUNK_SIZE == 99
    assert [len(legacy.chunk(i)) for i in range(3)] == [99, 99, 52]


def test_a_statement_holds_exactly_the_payouts_entries_and_totals_them() -> None:
    sale, clawback, other = lf.commission("p1", 8000), lf.commission("p1", -1500), lf.commission("p1", 999)
    payout = _payout([sale.commission_id, clawback.commission_id, other.commission_id], [8000, -1500, 999])
    claimed = [e.model_copy(update={"payout_id": "po_1"}) for e in (sale, clawback)]
    stmt = statement(payout, [*claimed, other])  # `other` was held meanwhile: not this payout's
    assert [line.commission_id for line in stmt.lines] == [sale.commission_id, clawback.commission_id]
    assert stmt.total == 6500
    rows = list(csv.reader(io.StringIO(statement_csv(stmt))))
    assert rows[-1][0] == "TOTAL" and rows[-1][4] == "6500"
    # And every line carries its amount and currency, so the CSV adds up without the JSON
    lines = list(csv.DictReader(io.StringIO(statement_csv(stmt))))[:-1]
    assert [(r["commission_id"], r["amount"], r["currency"]) for r in lines] == [
        (sale.commission_id, "8000", "USD"),
        (clawback.commission_id, "-1500", "USD"),
    ]


def test_a_statement_shows_an_adjustments_reason_and_a_non_cash_rewards_description() -> None:
    # Given a payout that claimed a gift recorded at zero
    gift = lf.commission("p1", 0).model_copy(
        update={"payout_id": "po_1", "rule": "adjustment", "note": "launch incentive", "description": "a ticket"}
    )
    stmt = statement(_payout([gift.commission_id], [0]), [gift])
    # Then its line, in JSON and CSV, says what it was
    assert (stmt.lines[0].note, stmt.lines[0].description) == ("launch incentive", "a ticket")
    [row] = list(csv.DictReader(io.StringIO(statement_csv(stmt))))[:-1]
    assert (row["rule"], row["amount"], row["note"], row["description"]) == (
        "adjustment",
        "0",
        "launch incentive",
        "a ticket",
    )


def test_the_manual_export_defuses_spreadsheet_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(manual_export_csv([_payout(["c1"], [6000])]))))
    assert rows[0]["destination"] == "'=HYPERLINK(evil)" and rows[0]["amount"] == "6000"


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"period": "2026-13"}, "invalid_period"),
        ({"period": "2026-10", "dry_run": "yes"}, "invalid_dry_run"),
        ({"period": "2026-10", "shard": 16}, "invalid_shard"),
        ({"period": "2026-10", "shard": True}, "invalid_shard"),
    ],
)
def test_a_bad_invocation_is_refused_with_a_code(event: dict[str, object], code: str) -> None:
    with pytest.raises(BadRequest) as error:
        parse_invocation(event, lambda: "2026-10")
    assert error.value.code == code


@pytest.mark.parametrize(
    ("now", "timezone", "period"),
    [
        (datetime(2026, 11, 1, 6, 0, tzinfo=UTC), "UTC", "2026-10"),
        (datetime(2026, 1, 1, 5, 0, tzinfo=UTC), "Europe/Paris", "2025-12"),
        # 23:30 UTC on 31 October is already 1 November in Berlin: October is over there
        (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "Europe/Berlin", "2026-10"),
        # ...and 1 November 03:00 UTC is still 31 October in Los Angeles: September is the month to pay
        (datetime(2026, 11, 1, 3, 0, tzinfo=UTC), "America/Los_Angeles", "2026-09"),
    ],
)
def test_the_schedule_payload_pays_the_previous_month_where_the_program_lives(
    now: datetime, timezone: str, period: str
) -> None:
    # Given the scheduler's payload (no period) arriving at `now`, for a program in `timezone`
    ctx: Any = SimpleNamespace(clock=FixedClock(now))
    # When the invocation is parsed with the scheduled period
    invocation = parse_invocation({"source": "schedule"}, scheduled_period(ctx, timezone))
    # Then the run pays the month before now, in that timezone
    assert (invocation.period, invocation.dry_run, invocation.shard) == (period, False, None)


def test_a_reversal_lands_in_the_payout_of_its_original_until_that_is_paid() -> None:
    # Given an unpaid entry available on 15 October, and the same entry claimed by a payout
    unpaid = lf.commission("p1", 8000)
    claimed = unpaid.model_copy(update={"payout_id": "po_1", "status": CommissionStatus.PAID})
    refunded_at = datetime(2026, 11, 20, tzinfo=UTC)
    # Then a reversal of the unpaid one nets in the same payout, and of the paid one in the next payout
    assert reversal_available_at(unpaid, refunded_at) == unpaid.available_at == lf.OCTOBER
    assert reversal_available_at(claimed, refunded_at) == refunded_at


def test_a_run_cutoff_is_the_period_end_or_now_whichever_comes_first() -> None:
    # Given 2026-11-23 noon
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    # Then October's run pays what was available before 1 November, December's never past now
    assert payable_cutoff("2026-10", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert payable_cutoff("2026-12", now) == now
    assert payable_cutoff("2026-11", datetime(2026, 12, 1, tzinfo=UTC)) == datetime(2026, 12, 1, tzinfo=UTC)


def test_only_a_period_that_has_ended_may_be_paid() -> None:
    # Given November's end, 2026-12-01 00:00 in the program's timezone
    ensure_period_ended("2026-11", datetime(2026, 12, 1, tzinfo=UTC))  # ended at that instant
    ensure_period_ended("2026-10", datetime(2026, 11, 23, tzinfo=UTC))
    # When a run of November comes a second earlier, or December's in November: refused with a 409
    for period, now in (
        ("2026-11", datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)),
        ("2026-12", datetime(2026, 11, 23, tzinfo=UTC)),
    ):
        with pytest.raises(Conflict) as refused:
            ensure_period_ended(period, now)
        assert refused.value.status == 409 and refused.value.code == "period_not_ended"
    # In São Paulo November ends at 03:00 UTC
    with pytest.raises(Conflict):
        ensure_period_ended("2026-11", datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "America/Sao_Paulo")


@pytest.mark.parametrize(
    ("amounts", "outcome"), [([0], Outcome.CARRY_OVER), ([1], Outcome.PAY), ([3, -3], Outcome.CARRY_OVER)]
)
def test_without_a_minimum_a_zero_balance_is_never_paid_and_one_cent_is(amounts: list[int], outcome: Outcome) -> None:
    # Given a currency the program sets no minimum for (GBP)
    [balance] = group_balances([lf.commission("p1", a, "GBP") for a in amounts], CUTOFF)
    # Then nothing is "paid" at zero, and a single cent is paid rather than carried over for ever
    assert decide(balance, lf.partner("p1"), lf.program()).outcome is outcome


def test_an_entry_whose_hold_ends_exactly_at_the_cutoff_belongs_to_the_next_period() -> None:
    at_cutoff = lf.commission("p1", 9000, available_at=CUTOFF)
    just_before = lf.commission("p1", 9000, available_at=CUTOFF - timedelta(microseconds=1))
    assert [b.total.amount for b in group_balances([at_cutoff, just_before], CUTOFF)] == [9000]


def test_each_decision_keeps_its_balance_and_says_why() -> None:
    # Given balances that carry over (not positive, below the minimum), are withheld, and are paid by hand
    [negative] = group_balances([lf.commission("p1", -10)], CUTOFF)
    [small] = group_balances([lf.commission("p1", 4999)], CUTOFF)
    [enough] = group_balances([lf.commission("p1", 9000)], CUTOFF)
    carried = decide(negative, lf.partner("p1"), lf.program())
    below = decide(small, lf.partner("p1"), lf.program())
    withheld = decide(enough, None, lf.program())
    paypal = decide(enough, lf.partner("p1", method=PayoutMethodKind.PAYPAL), lf.program())
    # Then each decision carries its balance and a reason a partner can act on
    assert (carried.balance, carried.reason) == (negative, "net balance is not positive; it carries over")
    assert (below.balance, below.reason) == (
        small,
        "balance 4999 is below the minimum payout 5000 USD; it carries over",
    )
    assert (withheld.balance, withheld.reason) == (enough, "partner record not found; contact the program team")
    assert paypal.balance == enough and paypal.outcome is Outcome.PAY
    assert paypal.destination == lf.partner("p1", method=PayoutMethodKind.PAYPAL).payout_method.reference


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (PartnerStatus.PAUSED, "your partner account is paused; payouts resume when it is reactivated"),
        (
            PartnerStatus.TERMINATED,
            "your partner account is terminated; payouts are withheld under the partner agreement",
        ),
        (PartnerStatus.PENDING, "your partner account is not approved yet"),
    ],
)
def test_withholding_reasons_are_worded_for_the_partner(status: PartnerStatus, reason: str) -> None:
    assert withholding_reason(lf.partner("p1", status=status)) == reason


def test_a_partner_without_a_payout_method_is_told_to_add_one() -> None:
    partner = lf.partner("p1", method=PayoutMethodKind.NONE)
    assert withholding_reason(partner) == "no payout method on file; add one to receive your payout"


@pytest.mark.parametrize(
    ("period", "valid"), [("2000-01", True), ("2999-12", True), ("1999-12", False), ("3000-01", False)]
)
def test_periods_run_from_2000_to_2999(period: str, valid: bool) -> None:
    if valid:
        assert parse_period(period) == period
    else:
        with pytest.raises(
            BadRequest, match=re.escape(f"period must be a month as YYYY-MM (e.g. 2026-10), got {period!r}")
        ):
            parse_period(period)


def test_an_unknown_timezone_is_a_bad_request_naming_it() -> None:
    with pytest.raises(BadRequest, match=re.escape("unknown timezone 'Mars/Olympus'")) as refused:
        period_cutoff("2026-10", "Mars/Olympus")
    assert refused.value.code == "invalid_timezone"


def test_the_csv_total_row_and_empty_cells_and_formula_defusing() -> None:
    line = lf.commission("p1", 100).model_copy(
        update={
            "payout_id": "po_1",
            "note": "+1 bonus",
            "description": "@gift",
            "source": CommissionSource(),
        }
    )
    rows = list(csv.reader(io.StringIO(statement_csv(statement(_payout([line.commission_id], [100]), [line])))))
    assert rows[-1] == ["TOTAL", "", "", "", "100", "USD", "", "", ""]
    assert rows[1][3] == "" and rows[1][6] == ""  # no invoice, no reverses: empty cells, not "None"
    assert rows[1][7:] == ["'+1 bonus", "'@gift"]
    negative = lf.commission("p1", -5).model_copy(update={"payout_id": "po_1", "note": "-5 fix"})
    rows = list(csv.reader(io.StringIO(statement_csv(statement(_payout([negative.commission_id], [-5]), [negative])))))
    assert rows[1][7] == "'-5 fix" and rows[1][4] == "-5"


def test_a_refused_run_names_when_the_period_can_be_paid_and_the_dry_run() -> None:
    with pytest.raises(Conflict) as refused:
        ensure_period_ended("2026-11", datetime(2026, 11, 23, tzinfo=UTC), "America/Sao_Paulo")
    assert refused.value.message == (
        "period 2026-11 has not ended: it can be paid from 2026-12-01T03:00:00+00:00; preview it with a dry run meanwhile"
    )
    assert payable_cutoff("2026-10", datetime(2026, 12, 1, tzinfo=UTC), "America/Sao_Paulo") == datetime(
        2026, 11, 1, 3, 0, tzinfo=UTC
    )
