"""Balance aggregates without a database: what each ledger change adds to them, and the balances they read
back as, checked against the entry-by-entry definition (tests/model) for any ledger and any moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared.commissions import rules
from shared.commissions.models import BalanceTotals, Commission, CommissionStatus, EntryState, ReleaseDay
from shared.core.money import Money
from tests.model.ledger_model import expected_balances, expected_totals

NOW = datetime(2026, 11, 2, 10, 30, 15, tzinfo=UTC)


def entry(
    amount: int,
    available_at: datetime,
    status: CommissionStatus = CommissionStatus.PENDING,
    *,
    currency: str = "USD",
    payout_id: str | None = None,
    number: int = 1,
) -> Commission:
    return Commission(
        commission_id=f"com_{number}",
        partner_id="p1",
        program_id="default",
        amount=Money.of(amount, currency),
        status=status,
        rule="sale_rate",
        available_at=available_at,
        payout_id=payout_id,
        created_at=NOW,
        updated_at=NOW,
    )


def read_back(entries: list[Commission], written_at: datetime, now: datetime) -> dict[str, dict[str, int]]:
    """The balances a reader at `now` sees from aggregates written at `written_at` (with the exact split of
    the current minute, as the store's small query gives it)."""
    totals, days = rules.aggregates_of(entries, written_at)
    this_minute: dict[str, int] = {}
    if rules.releasing_in_current_minute(days, now):
        for e in entries:
            if e.state is EntryState.UNPAID and now < e.available_at < rules.release_minute(now) + timedelta(minutes=1):
                this_minute[e.amount.currency] = this_minute.get(e.amount.currency, 0) + e.amount.amount
    return rules.balance_view(totals, days, now, this_minute)


def test_a_new_entry_adds_to_unpaid_and_to_the_minute_it_releases_in() -> None:
    # Given a new 2000 USD entry releasing in 30 days
    new = entry(2000, NOW + timedelta(days=30))
    # When its write is prepared
    delta = rules.balance_delta([(None, rules.position_of(new))], NOW)
    # Then unpaid and the live count grow, and its release minute is counted
    assert vars(delta.totals[("p1", "USD")]) == {
        "unpaid": 2000,
        "held": 0,
        "paid": 0,
        "voided": 0,
        "live_entries": 1,
        "in_review": 0,
    }
    assert delta.releases == {("p1", "USD", "2026-12-02"): {"1030": (2000, 1)}}


def test_a_claim_moves_the_amount_from_unpaid_to_paid_and_a_past_release_minute_is_left_alone() -> None:
    released = entry(2000, NOW - timedelta(days=3))
    claimed = released.model_copy(update={"status": CommissionStatus.PAID, "payout_id": "po_1"})
    delta = rules.balance_delta([(rules.position_of(released), rules.position_of(claimed))], NOW)
    assert vars(delta.totals[("p1", "USD")]) == {
        "unpaid": -2000,
        "held": 0,
        "paid": 2000,
        "voided": 0,
        "live_entries": 0,
        "in_review": 0,
    }
    assert delta.releases == {}


def test_a_hold_and_a_void_take_a_future_entry_out_of_its_release_minute() -> None:
    future = entry(700, NOW + timedelta(hours=5))
    held = future.model_copy(update={"status": CommissionStatus.HELD})
    voided = future.model_copy(update={"status": CommissionStatus.VOIDED})
    hold = rules.balance_delta([(rules.position_of(future), rules.position_of(held))], NOW)
    void = rules.balance_delta([(rules.position_of(future), rules.position_of(voided))], NOW)
    assert (hold.totals[("p1", "USD")].unpaid, hold.totals[("p1", "USD")].held) == (-700, 700)
    assert hold.releases == {("p1", "USD", "2026-11-02"): {"1530": (-700, -1)}}
    assert vars(void.totals[("p1", "USD")]) == {
        "unpaid": -700,
        "held": 0,
        "paid": 0,
        "voided": 700,
        "live_entries": -1,
        "in_review": 0,
    }


def test_approving_early_moves_the_entry_to_the_current_minute() -> None:
    future = entry(500, NOW + timedelta(days=10))
    approved = future.model_copy(update={"status": CommissionStatus.APPROVED, "available_at": NOW})
    delta = rules.balance_delta([(rules.position_of(future), rules.position_of(approved))], NOW)
    assert vars(delta.totals[("p1", "USD")]) == {
        "unpaid": 0,
        "held": 0,
        "paid": 0,
        "voided": 0,
        "live_entries": 0,
        "in_review": 0,
    }
    assert delta.releases == {
        ("p1", "USD", "2026-11-12"): {"1030": (-500, -1)},
        ("p1", "USD", "2026-11-02"): {"1030": (500, 1)},
    }


def test_pending_is_what_releases_after_now_and_approved_the_rest() -> None:
    totals = [BalanceTotals("p1", "USD", unpaid=3000, held=100, paid=900, live_entries=4)]
    days = [
        ReleaseDay("p1", "USD", "2026-11-02", {"1000": (400, 1), "1031": (1000, 1)}),  # 10:00 passed, 10:31 not
        ReleaseDay("p1", "USD", "2026-11-03", {"0000": (1200, 2)}),
    ]
    assert rules.balance_view(totals, days, NOW) == {
        "USD": {"pending": 2200, "approved": 800, "held": 100, "paid": 900, "unpaid": 3000, "in_review": 0}
    }
    assert not rules.releasing_in_current_minute(days, NOW)


def test_the_current_minute_is_split_by_its_entries_and_a_voided_only_currency_is_not_shown() -> None:
    totals = [BalanceTotals("p1", "USD", unpaid=1000, live_entries=2), BalanceTotals("p1", "EUR", voided=50)]
    days = [ReleaseDay("p1", "USD", "2026-11-02", {"1030": (1000, 2)})]
    assert rules.releasing_in_current_minute(days, NOW)
    view = rules.balance_view(totals, days, NOW, {"USD": 600})
    assert view == {"USD": {"pending": 600, "approved": 400, "held": 0, "paid": 0, "unpaid": 1000, "in_review": 0}}


states = st.sampled_from(
    [
        (CommissionStatus.PENDING, None),
        (CommissionStatus.APPROVED, None),
        (CommissionStatus.HELD, None),
        (CommissionStatus.PAID, "po_1"),
        (CommissionStatus.VOIDED, None),
    ]
)
seconds = st.integers(-3 * 86400, 40 * 86400)


@given(
    ledger=st.lists(
        st.tuples(st.integers(-50_000, 50_000), seconds, states, st.sampled_from(["USD", "EUR"])), max_size=25
    ),
    written_before=st.integers(0, 5 * 86400),
    read_after=st.integers(0, 45 * 86400),
)
def test_aggregates_read_back_as_the_entry_by_entry_balances_at_any_later_moment(
    ledger: list[tuple[int, int, tuple[CommissionStatus, str | None], str]], written_before: int, read_after: int
) -> None:
    # Given any ledger, its aggregates written at some moment
    entries = [
        entry(amount, NOW + timedelta(seconds=offset), status, currency=currency, payout_id=payout, number=n)
        for n, (amount, offset, (status, payout), currency) in enumerate(ledger)
    ]
    written_at = NOW - timedelta(seconds=written_before)
    # When they are read at any moment after that
    now = written_at + timedelta(seconds=read_after, microseconds=read_after % 7)
    # Then they say what the entries say, to the cent
    assert read_back(entries, written_at, now) == expected_balances(entries, now)
    totals, _ = rules.aggregates_of(entries, written_at)
    stored = {t.currency: {name: getattr(t, name) for name in BalanceTotals.SUMS} for t in totals}
    assert stored == expected_totals(entries)


@given(moves=st.lists(st.tuples(st.integers(0, 9), states, seconds, st.integers(0, 3600)), min_size=1, max_size=30))
def test_adding_up_the_deltas_of_any_sequence_of_changes_gives_the_aggregates_of_the_final_ledger(
    moves: list[tuple[int, tuple[CommissionStatus, str | None], int, int]],
) -> None:
    # Given ten entries changing state one write after another, as time goes on
    ledger: dict[int, Commission] = {}
    totals: dict[str, dict[str, int]] = {}
    minutes: dict[tuple[str, str], int] = {}
    now = NOW
    for number, (status, payout), offset, wait in moves:
        now += timedelta(seconds=wait)
        before = ledger.get(number)
        after = entry(100 + number, NOW + timedelta(seconds=offset), status, payout_id=payout, number=number)
        ledger[number] = after
        # When each write adds its delta
        delta = rules.balance_delta([(rules.position_of(before) if before else None, rules.position_of(after))], now)
        for (_, currency), sums in delta.totals.items():
            stored = totals.setdefault(currency, dict.fromkeys(BalanceTotals.SUMS, 0))
            for name in BalanceTotals.SUMS:
                stored[name] += getattr(sums, name)
        for (_, _, day), changes in delta.releases.items():
            for minute, (amount, _) in changes.items():
                minutes[(day, minute)] = minutes.get((day, minute), 0) + amount
    # Then the totals are the final ledger's, and every minute still to come holds what releases in it
    assert totals == expected_totals(ledger.values())
    _, days = rules.aggregates_of(ledger.values(), now)
    future = {(d.day, m): amount for d in days for m, (amount, _) in d.minutes.items()}
    current = rules.release_minute(now)
    assert {k: v for k, v in minutes.items() if _at(k) >= current and v} == {k: v for k, v in future.items() if v}


def _at(day_minute: tuple[str, str]) -> datetime:
    return datetime.strptime("".join(day_minute), "%Y-%m-%d%H%M").replace(tzinfo=UTC)
