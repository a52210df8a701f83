"""The money rules' boundaries, pinned: rounding between 0 and 1 and at the half, one minor unit, arithmetic
within one currency, rates as exact decimals (the mutation run of `make mutation` kills what these leave)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from shared.core.money import Money, normalize_currency, parse_rate, round_half_up


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(0), 0),
        (Fraction(1, 3), 0),
        (Fraction(49, 100), 0),
        (Fraction(1, 2), 1),
        (Fraction(51, 100), 1),
        (Fraction(2, 3), 1),
        (Fraction(1), 1),
        (Fraction(3, 2), 2),
        (Fraction(-1, 3), 0),
        (Fraction(-1, 2), -1),
        (Fraction(-3, 2), -2),
        (Fraction(7, 1), 7),
    ],
)
def test_round_half_up_between_and_around_whole_minor_units(value: Fraction, rounded: int) -> None:
    assert round_half_up(value) == rounded


def test_one_minor_unit_survives_rates_and_prorations() -> None:
    # A 1-cent commission is kept, half a cent rounds up, less than half rounds to nothing
    assert Money.of(1, "USD").times_rate(Decimal(1)) == Money.of(1, "USD")
    assert Money.of(1, "USD").times_rate(Decimal("0.5")) == Money.of(1, "USD")
    assert Money.of(1, "USD").times_rate(Decimal("0.49")) == Money.of(0, "USD")
    assert Money.of(3, "USD").prorate(1, 2) == Money.of(2, "USD")  # 1.5 -> 2
    assert Money.of(3, "USD").prorate(1, 3) == Money.of(1, "USD")
    assert Money.of(-3, "USD").prorate(1, 2) == Money.of(-2, "USD")
    for whole in (0, -1):
        with pytest.raises(ValueError, match="whole must be positive"):
            Money.of(3, "USD").prorate(1, whole)


def test_money_adds_and_subtracts_within_one_currency_only() -> None:
    usd = Money.of(500, "usd")
    assert usd + Money.of(250, "USD") == Money.of(750, "USD")
    assert usd - Money.of(700, "USD") == Money.of(-200, "USD")
    assert -usd == Money.of(-500, "USD") and Money.zero("eur") == Money.of(0, "EUR")
    assert str(usd) == "500 USD"
    for combine in (lambda: usd + Money.of(1, "EUR"), lambda: usd - Money.of(1, "EUR")):
        with pytest.raises(ValueError, match="cannot combine USD with EUR"):
            combine()


def test_amounts_are_integers_and_currencies_three_letters() -> None:
    for amount in (1.5, True, "100"):
        with pytest.raises(TypeError):
            Money.of(amount, "USD")  # type: ignore[arg-type]
    assert normalize_currency(" brl ") == "BRL"
    for code in ("US", "USDD", "U5D", ""):
        with pytest.raises(ValueError, match="three-letter"):
            normalize_currency(code)


def test_rates_are_exact_decimals_from_zero_to_one() -> None:
    assert parse_rate("0.2") == Decimal("0.2") and parse_rate(0) == Decimal(0) and parse_rate(1) == Decimal(1)
    assert parse_rate(Decimal("0.333")) == Decimal("0.333")
    with pytest.raises(TypeError):
        parse_rate(0.2)
    for rate in ("1.0001", "-0.0001", 2):
        with pytest.raises(ValueError, match="between 0 and 1"):
            parse_rate(rate)
