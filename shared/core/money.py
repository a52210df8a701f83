"""Money: an integer amount in the currency's minor unit plus an ISO 4217 code. Never a float.

Rounding is written here once: `round_half_up` turns an exact fraction of minor units into an
integer, and every rate or proration in the product goes through it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from pydantic import ConfigDict, field_validator

from shared.core.entity import Model

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def normalize_currency(code: str) -> str:
    """Return the ISO 4217 code upper-cased ("usd" from Stripe becomes "USD"); refuse anything else."""
    upper = code.strip().upper()
    if not _CURRENCY.match(upper):
        raise ValueError(f"currency must be a three-letter ISO 4217 code, got {code!r}")
    return upper


def round_half_up(value: Fraction) -> int:
    """Round an exact number of minor units to an integer, halves away from zero (0.5 -> 1, -0.5 -> -1)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, remainder = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * remainder >= magnitude.denominator:
        whole += 1
    return sign * whole


class Money(Model):
    """An amount of one currency, in minor units (cents for USD, yen for JPY)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    amount: int
    currency: str

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("currency must be a string")
        return normalize_currency(value)

    @classmethod
    def of(cls, amount: int, currency: str) -> Money:
        """Build Money from an integer amount of minor units and a currency code."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("amount must be an integer count of minor units")
        return cls(amount=amount, currency=normalize_currency(currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero of the given currency."""
        return cls.of(0, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money.of(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money.of(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money.of(-self.amount, self.currency)

    def times_rate(self, rate: Decimal) -> Money:
        """This amount multiplied by a rate (Decimal("0.20") for 20 %), rounded half up to the minor unit."""
        return Money.of(round_half_up(Fraction(self.amount) * Fraction(rate)), self.currency)

    def prorate(self, part: int, whole: int) -> Money:
        """The share part/whole of this amount, rounded half up (a refund of `part` out of `whole` paid)."""
        if whole <= 0:
            raise ValueError("whole must be positive")
        return Money.of(round_half_up(Fraction(self.amount * part, whole)), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def parse_rate(value: str | int | Decimal) -> Decimal:
    """A rate as an exact Decimal between 0 and 1 ("0.2" for 20 %); floats are refused."""
    if isinstance(value, float):
        raise TypeError("rates are exact decimals, not floats")
    rate = Decimal(str(value))
    if not (Decimal(0) <= rate <= Decimal(1)):
        raise ValueError("a rate must lie between 0 and 1")
    return rate
