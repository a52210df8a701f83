"""Report rules: what each item counts, change deltas, months, rates, ranks, health and the chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from shared.reports import rules
from shared.reports.rules import ALL_TIME, GROUP, LINK, PARTNER, PROGRAM

LINKS = {"ada-link": {"code": "ada-link", "partner_id": "ptr_ada", "program_id": "default"}}
SALE = {
    "type": "commission_sale", "sale_id": "in_1", "program_id": "default", "paid": True, "partner_id": "ptr_ada",
    "amount_paid": {"amount": 10000, "currency": "USD"}, "paid_at": "2026-10-31T23:59:00.000000Z",
}  # fmt: skip


PARTNERS: dict[str, dict[str, Any]] = {"ptr_ada": {"partner_id": "ptr_ada"}}


class Resolver:
    def link(self, code: str) -> Mapping[str, Any] | None:
        return LINKS.get(code)

    def sale(self, sale_id: str) -> Mapping[str, Any] | None:
        return SALE if sale_id == "in_1" else None

    def partner(self, partner_id: str) -> Mapping[str, Any] | None:
        return PARTNERS.get(partner_id)


def click(clicks: int, day: str = "2026-11-05") -> dict[str, Any]:
    return {"pk": "LINK#ada-link#CLICKS#03", "sk": f"{day}#abc", "clicks": clicks, "expires_at": 1}


def lead(**fields: Any) -> dict[str, Any]:
    return {
        "type": "lead", "lead_id": "lead_1", "program_id": "default", "partner_id": "ptr_ada", "outcome": "accepted",
        "status": "new", "link_code": "ada-link", "created_at": "2026-11-02T10:00:00.000000Z", **fields,
    }  # fmt: skip


def test_a_visitors_first_click_is_a_unique_visitor_and_later_clicks_only_clicks() -> None:
    # Given a click item created by a visitor's first click, then counting a second
    first = rules.change_deltas(None, click(1), Resolver())
    second = rules.change_deltas(click(1), click(2), Resolver())
    # Then the first adds a click and a visitor to the partner, the link and the program; the second a click
    assert first[(PARTNER, "ptr_ada", "2026-11")] == {"clicks": 1, "unique_visitors": 1, "act_05": 1}
    assert first[(LINK, "ada-link", "2026-11")] == {"clicks": 1, "unique_visitors": 1}
    assert first[(PROGRAM, "default", ALL_TIME)] == {"clicks": 1, "unique_visitors": 1}
    assert second[(PARTNER, "ptr_ada", "2026-11")] == {"clicks": 1, "act_05": 1}


def test_a_click_on_an_unknown_link_counts_nothing() -> None:
    item = {**click(1), "pk": "LINK#gone#CLICKS#00"}
    assert rules.change_deltas(None, item, Resolver()) == {}


def test_a_lead_counts_when_created_and_again_as_qualified_in_the_month_it_was_qualified() -> None:
    created = rules.change_deltas(None, lead(), Resolver())
    qualified = rules.change_deltas(
        lead(), lead(status="qualified", qualified_at="2026-12-01T00:00:00.000000Z"), Resolver()
    )
    assert created[(PARTNER, "ptr_ada", "2026-11")] == {"leads": 1, "act_02": 1}
    assert qualified == {
        (PARTNER, "ptr_ada", "2026-12"): {"qualified_leads": 1},
        (PARTNER, "ptr_ada", ALL_TIME): {"qualified_leads": 1},
        (PROGRAM, "default", "2026-12"): {"qualified_leads": 1},
        (PROGRAM, "default", ALL_TIME): {"qualified_leads": 1},
        (LINK, "ada-link", "2026-12"): {"qualified_leads": 1},
    }


def test_a_lead_taken_over_by_another_partner_moves_with_it_and_a_duplicate_or_erasure_changes_nothing() -> None:
    moved = rules.change_deltas(lead(), lead(partner_id="ptr_bob", link_code=None), Resolver())
    assert moved[(PARTNER, "ptr_ada", "2026-11")] == {"leads": -1, "act_02": -1}
    assert moved[(PARTNER, "ptr_bob", "2026-11")] == {"leads": 1, "act_02": 1}
    assert rules.change_deltas(None, lead(outcome="self_referral"), Resolver()) == {}
    assert rules.change_deltas(lead(email="a@x.example"), lead(email=None, erased_at="2026-11-03"), Resolver()) == {}


def test_a_refund_takes_revenue_from_the_sales_month_and_a_reversal_counts_in_its_own_month() -> None:
    # Given a 100.00 USD sale paid in October, refunded 30.00 in November with a 6.00 reversal
    payment_before = {"type": "stripe_payment", "payment_id": "pi_1", "sale_id": "in_1", "refunds": {}}
    payment_after = {**payment_before, "refunds": {"re_1": 3000}}
    reversal = {
        "type": "commission", "partner_id": "ptr_ada", "program_id": "default", "status": "pending",
        "amount": {"amount": -600, "currency": "USD"}, "created_at": "2026-11-10T00:00:00.000000Z",
    }  # fmt: skip
    # Then October keeps 70.00 of revenue, and November carries the reversal
    assert rules.change_deltas(None, SALE, Resolver())[(PARTNER, "ptr_ada", "2026-10")] == {"revenue_USD": 10000}
    refund = rules.change_deltas(payment_before, payment_after, Resolver())
    assert refund[(PARTNER, "ptr_ada", "2026-10")] == {"revenue_USD": -3000, "refunds_USD": 3000}
    counted = rules.change_deltas(None, reversal, Resolver())
    assert counted[(PARTNER, "ptr_ada", "2026-11")] == {"commission_USD": -600, "reversals_USD": 600}


def test_voiding_an_entry_takes_its_commission_back_and_currencies_stay_apart() -> None:
    entry = {
        "type": "commission", "partner_id": "ptr_ada", "program_id": "default", "status": "pending",
        "amount": {"amount": 2000, "currency": "EUR"}, "created_at": "2026-11-10T00:00:00.000000Z",
    }  # fmt: skip
    voided = rules.change_deltas(entry, {**entry, "status": "voided"}, Resolver())
    assert voided[(PARTNER, "ptr_ada", "2026-11")] == {"commission_EUR": -2000}
    figures = rules.figures_of([{"commission_EUR": 2000, "commission_USD": 500, "clicks": 3}])
    assert figures.as_json()["commission"] == {"EUR": 2000, "USD": 500}


def test_items_that_count_nothing_count_nothing() -> None:
    for item in ({"type": "partner", "partner_id": "p"}, {"type": "rollup", "clicks": 5}, None):
        assert rules.contributions(item, Resolver()) == {}


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [("2026-11", "2027-02", ["2026-11", "2026-12", "2027-01", "2027-02"]), ("2026-05", "2026-05", ["2026-05"])],
)
def test_months_between_cross_years(first: str, last: str, expected: list[str]) -> None:
    assert rules.months_between(first, last) == expected
    assert rules.shift_month("2026-01", -1) == "2025-12" and rules.shift_month("2026-12", 1) == "2027-01"


def test_rates_are_four_place_decimal_strings_and_undefined_without_a_base() -> None:
    assert rules.rate(1, 3) == "0.3333" and rules.rate(2, 3) == "0.6667" and rules.rate(1, 0) is None


def test_equal_scores_share_a_rank_and_zero_scores_are_unranked() -> None:
    assert rules.rank({"a": 5, "b": 9, "c": 5, "d": 1, "e": 0}) == [(1, "b", 9), (2, "a", 5), (2, "c", 5), (4, "d", 1)]


def test_health_notices_silence_and_a_falling_funnel() -> None:
    assert rules.inactive({"2026-10-01"}, "2026-11-05", 30)
    assert not rules.inactive({"2026-10-07"}, "2026-11-05", 30)
    previous, before = rules.figures_of([{"clicks": 4}]), rules.figures_of([{"clicks": 10}])
    assert rules.falling(previous, before) and not rules.falling(before, previous)


def test_sorting_puts_the_smallest_first_and_a_minus_the_largest() -> None:
    rows = [{"partner_id": "a", "leads": 1}, {"partner_id": "b", "leads": 3}]
    assert [r["partner_id"] for r in rules.sort_rows(rows, "leads")] == ["a", "b"]
    assert [r["partner_id"] for r in rules.sort_rows(rows, "-leads")] == ["b", "a"]


def test_the_chart_scales_bars_to_the_tallest_month() -> None:
    bars = rules.bar_chart([("2026-10", 5), ("2026-11", 10), ("2026-12", 0)])
    assert [(b.x, b.height, b.y) for b in bars] == [(0, 50, 50), (20, 100, 0), (40, 0, 100)]


# ---------------------------------------------------------------- groups
MOVED = {
    "partner_id": "ptr_ada",
    "group_id": "agencies",
    "group_moves": [
        {"at": "2026-11-10T12:00:00.000000Z", "to": "customers"},
        {"at": "2026-11-20T12:00:00.000000Z", "from": "customers", "to": "agencies"},
    ],
}


def test_the_group_of_an_instant_is_the_one_the_partner_was_in_then() -> None:
    # Given Ada, in no group, moved to customers on the 10th and to agencies on the 20th
    # Then each instant answers the group of its time, and a partner who never moved answers its group
    assert rules.group_at(MOVED, "2026-11-10T11:59:59.000000Z") is None
    assert rules.group_at(MOVED, "2026-11-10T12:00:00.000000Z") == "customers"
    assert rules.group_at(MOVED, "2026-11-15") == "customers"
    assert rules.group_at(MOVED, "2026-11-20T12:00:01+00:00") == "agencies"
    assert rules.group_at({"group_id": "agencies"}, "2020-01-01") == "agencies"
    assert rules.group_at(None, "2026-11-15") is None


def test_figures_stay_with_the_group_they_were_earned_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Ada's group history
    monkeypatch.setitem(PARTNERS, "ptr_ada", MOVED)
    customers, agencies = (GROUP, "default#customers", "2026-11"), (GROUP, "default#agencies", "2026-11")

    # When a lead created while she was in customers is qualified after her move to agencies
    created = rules.change_deltas(None, lead(created_at="2026-11-15T09:00:00.000000Z"), Resolver())
    qualified = rules.change_deltas(
        lead(created_at="2026-11-15T09:00:00.000000Z"),
        lead(created_at="2026-11-15T09:00:00.000000Z", status="qualified", qualified_at="2026-11-21T00:00:00Z"),
        Resolver(),
    )

    # Then the lead counts in customers and its qualification in agencies; activity days stay on the partner
    assert created[customers] == {"leads": 1}
    assert agencies not in created
    assert qualified == {
        **{scope: {"qualified_leads": 1} for scope in qualified if scope[0] != GROUP},
        agencies: {"qualified_leads": 1},
    }
    # And a day's clicks count in the group of the day's start (the 20th began in customers)
    assert rules.change_deltas(None, click(2, day="2026-11-20"), Resolver())[customers] == {
        "clicks": 2,
        "unique_visitors": 1,
    }


def test_a_refund_after_a_move_comes_off_the_group_of_the_sale(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a sale paid in October while Ada was in no group, she later joined agencies
    monkeypatch.setitem(PARTNERS, "ptr_ada", {"partner_id": "ptr_ada", "group_id": "agencies", "group_moves": [
        {"at": "2026-11-01T00:00:00.000000Z", "to": "agencies"},
    ]})  # fmt: skip
    payment = {"type": "stripe_payment", "payment_id": "pi_1", "sale_id": "in_1", "refunds": {"re_1": 3000}}
    # When the refund is counted in November
    deltas = rules.change_deltas({**payment, "refunds": {}}, payment, Resolver())
    # Then it counts against October and no group (agencies earned none of that sale)
    assert not [scope for scope in deltas if scope[0] == GROUP]
    assert deltas[(PARTNER, "ptr_ada", "2026-10")] == {"revenue_USD": -3000, "refunds_USD": 3000}


# ---------------------------------------------------------------- leaderboard snapshot
def test_packed_scores_give_every_score_the_rank_the_full_ranking_gives() -> None:
    # Given a ranking with ties
    scores = {"a": 900, "b": 500, "c": 500, "d": 100, "e": 0}
    ranking = rules.rank(scores)
    packed, floor = rules.pack_scores(ranking)
    # Then the packed runs say each partner's rank without the partner ids (ties share; zero is unranked)
    assert packed == "900*1,500*2,100*1" and floor == 0
    assert {p: rules.rank_of(packed, floor, s) for p, s in scores.items()} == {
        "a": 1, "b": 2, "c": 2, "d": 4, "e": None,
    }  # fmt: skip
    # And a score between the snapshot's (a partner who moved since) gets the place it would take
    assert rules.rank_of(packed, floor, 600) == 2
    assert rules.rank_of("", 0, 5) == 1


def test_packed_scores_too_long_for_an_item_keep_the_best_and_say_where_they_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "PACKED_SCORES_LIMIT", 12)
    packed, floor = rules.pack_scores(rules.rank({"a": 900, "b": 500, "c": 100}))
    assert packed == "900*1,500*1" and floor == 500
    assert rules.rank_of(packed, floor, 500) == 2
    assert rules.rank_of(packed, floor, 100) is None
