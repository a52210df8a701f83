"""The program (one company's referral program) and its commission plans."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import ConfigDict, Field, field_validator

from shared.core import keys
from shared.core.entity import Entity, Model
from shared.core.money import Money, normalize_currency

Rate = Annotated[Decimal, Field(ge=Decimal(0), le=Decimal(1), max_digits=9, decimal_places=6)]


class AttributionPolicy(StrEnum):
    """Which partner wins when two touched the same customer inside the attribution window."""

    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"


class Program(Entity):
    """A company's referral program: attribution, holds, payout minimums and redirect safety settings."""

    entity_type: ClassVar[str] = "program"

    program_id: str
    name: str
    attribution_window_days: int = Field(default=90, ge=1, le=730)
    attribution_policy: AttributionPolicy = AttributionPolicy.FIRST_TOUCH
    lock_customer_to_partner: bool = True
    hold_period_days: int = Field(default=30, ge=0, le=365)
    minimum_payouts: dict[str, int] = Field(default_factory=dict, description="currency -> minor units")
    allowed_destination_domains: list[str] = Field(default_factory=list)
    landing_url: str
    fallback_url: str
    thank_you_url: str | None = None
    default_plan_id: str | None = None
    cookie_domain: str | None = Field(default=None, description="parent domain of the rp_click cookie")
    # Lead capture: browser origins allowed to post the lead form (default: the landing page's origin),
    # and fixed-window (hourly) rate limits per visitor IP and per partner.
    lead_form_origins: list[str] = Field(default_factory=list)
    lead_rate_limit_per_ip: int = Field(default=20, ge=1, le=10_000)
    lead_rate_limit_per_partner: int = Field(default=200, ge=1, le=100_000)
    # Links a partner may create itself in the portal, with a code it chooses (0: only staff create links).
    partner_link_limit: int = Field(default=5, ge=0, le=100)
    # Commissions of one sale above this amount (currency -> minor units) wait in review for staff.
    review_above: dict[str, int] = Field(default_factory=dict, description="currency -> minor units")
    created_at: datetime
    updated_at: datetime

    @field_validator("minimum_payouts")
    @classmethod
    def _minimums(cls, value: dict[str, int]) -> dict[str, int]:
        checked = {normalize_currency(currency): amount for currency, amount in value.items()}
        if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in checked.values()):
            raise ValueError("minimum payouts are non-negative integers of minor units")
        return checked

    @field_validator("review_above")
    @classmethod
    def _review_thresholds(cls, value: dict[str, int]) -> dict[str, int]:
        checked = {normalize_currency(currency): amount for currency, amount in value.items()}
        if any(isinstance(a, bool) or not isinstance(a, int) or a <= 0 for a in checked.values()):
            raise ValueError("review thresholds are positive integers of minor units")
        return checked

    def review_threshold(self, currency: str) -> int | None:
        """The amount (minor units) above which a sale's commissions wait in review; None: never."""
        return self.review_above.get(normalize_currency(currency))

    @field_validator("allowed_destination_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return [d.strip().lower().rstrip(".") for d in value if d.strip()]

    def minimum_payout(self, currency: str) -> int:
        """The minimum payout in a currency (0 when the program sets none)."""
        return self.minimum_payouts.get(normalize_currency(currency), 0)

    def keys(self) -> dict[str, str]:
        """One item per program."""
        return keys.program(self.program_id)


class RecurringScope(StrEnum):
    """How long a recurring revenue share lasts for one referred customer."""

    FIRST_PAYMENT = "first_payment"
    MONTHS = "months"
    INVOICES = "invoices"
    LIFETIME = "lifetime"


class TierMetric(StrEnum):
    """What a tier threshold counts: the partner's lifetime referred revenue or referred customers."""

    REVENUE = "revenue"
    CUSTOMERS = "customers"


class Tier(Model):
    """From `threshold` on (minor units of revenue, or a customer count), the share is `rate`."""

    model_config = ConfigDict(extra="forbid")

    threshold: int = Field(ge=0)
    rate: Rate


class ThresholdBonus(Model):
    """A one-off bonus when lifetime referred revenue passes a threshold."""

    model_config = ConfigDict(extra="forbid")

    threshold: Money
    bonus: Money


class CommissionPlan(Entity):
    """The terms of a partner agreement. Every field is optional so a plan can combine rules."""

    entity_type: ClassVar[str] = "commission_plan"

    plan_id: str
    program_id: str
    name: str
    lead_bounty: Money | None = None
    first_sale_flat: Money | None = None
    sale_rate: Rate | None = None
    recurring_scope: RecurringScope = RecurringScope.LIFETIME
    recurring_count: int | None = Field(default=None, ge=1)
    tier_metric: TierMetric = TierMetric.REVENUE
    tiers: list[Tier] = Field(default_factory=list)
    revenue_bonus: ThresholdBonus | None = None
    renewal_bonus: Money | None = None
    # The same flat amounts in other currencies (one per currency): a sale in a currency the plan names no
    # flat amount for earns none of it (flagged for review, never converted).
    first_sale_flats: list[Money] = Field(default_factory=list)
    renewal_bonuses: list[Money] = Field(default_factory=list)
    created_at: datetime

    def keys(self) -> dict[str, str]:
        """Plans live in the program's partition."""
        return keys.commission_plan(self.program_id, self.plan_id)
