"""Money and the one rounding rule."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.money import Money, normalize_currency, parse_rate, round_half_up


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(5, 2), 3), (Fraction(3, 2), 2), (Fraction(-5, 2), -3), (Fraction(249, 100), 2), (Fraction(0), 0)],
)
def test_round_half_up_rounds_halves_away_from_zero(value: Fraction, expected: int) -> None:
    assert round_half_up(value) == expected


def test_twenty_percent_of_an_odd_amount_rounds_half_up() -> None:
    # Given a payment of 12.345... no: 1234 cents at 12.5 %
    # When the commission is computed
    # Then 154.25 cents rounds to 154
    assert Money.of(1234, "usd").times_rate(Decimal("0.125")) == Money.of(154, "USD")


def test_money_refuses_floats_and_mixed_currencies() -> None:
    with pytest.raises(TypeError):
        Money.of(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot combine"):
        _ = Money.of(1, "USD") + Money.of(1, "EUR")
    with pytest.raises(TypeError):
        parse_rate(0.2)  # type: ignore[arg-type]


def test_currency_codes_are_normalised_to_iso_upper_case() -> None:
    assert normalize_currency(" usd ") == "USD"
    with pytest.raises(ValueError):
        normalize_currency("dollars")


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_prorating_the_whole_gives_back_the_whole(amount: int, whole: int) -> None:
    assert Money.of(amount, "USD").prorate(whole, whole).amount == amount


@given(st.integers(min_value=-(10**12), max_value=10**12), st.decimals(min_value=0, max_value=1, places=4))
def test_rate_result_is_within_half_a_minor_unit(amount: int, rate: Decimal) -> None:
    exact = Fraction(amount) * Fraction(rate)
    assert abs(Money.of(amount, "USD").times_rate(rate).amount - exact) <= Fraction(1, 2)
