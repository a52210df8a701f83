"""Program settings and commission plans."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pydantic import ConfigDict, Field

from shared.context import AppContext
from shared.core.entity import Model
from shared.core.errors import BadRequest
from shared.core.ids import new_id
from shared.core.money import Money
from shared.core.observability import logger
from shared.core.urls import host_allowed, safe_destination
from shared.partners.models import Partner, PartnerStatus
from shared.programs.models import (
    AttributionPolicy,
    CommissionPlan,
    Program,
    RecurringScope,
    ThresholdBonus,
    Tier,
    TierMetric,
)


def plan_for_partner(
    ctx: AppContext, program: Program, partner: Partner | None, known: Mapping[str, CommissionPlan] | None = None
) -> CommissionPlan | None:
    """The plan a partner earns under: its own, else its group's default, else the program's default. None for
    no partner, a terminated one, no plan at all, or a plan id naming no plan (a configuration error, logged so
    staff can mend it). `known`: plans by id the caller has read already (plans never change once created),
    else it reads. A partner in a group without a plan of its own costs one more GetItem (the group)."""
    if partner is None or partner.status is PartnerStatus.TERMINATED:
        return None
    plan_id = partner.plan_id or _group_default_plan(ctx, partner) or program.default_plan_id
    if not plan_id:
        return None
    plan = (known or {}).get(plan_id) or ctx.programs.find_plan(program.program_id, plan_id)
    if plan is None:
        logger.warning("partner's plan is missing: nothing earned", extra={"plan_id": plan_id})
    return plan


def _group_default_plan(ctx: AppContext, partner: Partner) -> str | None:
    if not partner.group_id:
        return None
    from shared.groups import service as groups  # noqa: PLC0415 - groups import partners, which import programs

    return groups.default_plan_id(ctx, partner.group_id)


class ProgramSettings(Model):
    """What an admin sets on the program (PUT /admin/program)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    attribution_window_days: int = Field(default=90, ge=1, le=730)
    attribution_policy: AttributionPolicy = AttributionPolicy.FIRST_TOUCH
    lock_customer_to_partner: bool = True
    hold_period_days: int = Field(default=30, ge=0, le=365)
    minimum_payouts: dict[str, int] = Field(default_factory=dict)
    allowed_destination_domains: list[str] = Field(min_length=1, max_length=50)
    landing_url: str = Field(max_length=2048)
    fallback_url: str = Field(max_length=2048)
    thank_you_url: str | None = Field(default=None, max_length=2048)
    default_plan_id: str | None = None
    lead_form_origins: list[str] = Field(default_factory=list, max_length=20)
    lead_rate_limit_per_ip: int = Field(default=20, ge=1, le=10_000)
    lead_rate_limit_per_partner: int = Field(default=200, ge=1, le=100_000)
    # Links a partner may create itself in the portal, with a code it chooses (0: only staff create links).
    partner_link_limit: int = Field(default=5, ge=0, le=100)
    review_above: dict[str, int] = Field(
        default_factory=dict, description="currency -> minor units: a sale's commissions above it wait in review"
    )
    cookie_domain: str | None = Field(
        default=None,
        max_length=253,
        pattern=r"^[a-z0-9.-]+$",
        description="set the first-party rp_click cookie on this parent domain of the redirect and the site",
    )


def save_program(ctx: AppContext, settings: ProgramSettings) -> Program:
    """Create or replace the program's settings; every URL must lie within the allowed domains."""
    existing = ctx.programs.find(ctx.program_id)
    now = ctx.clock.now()
    draft = Program(
        program_id=ctx.program_id,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        **settings.model_dump(),
    )
    for field_name in ("landing_url", "fallback_url", "thank_you_url"):
        url = getattr(draft, field_name)
        if url is not None and safe_destination(url, draft.allowed_destination_domains) is None:
            raise BadRequest(
                f"{field_name} must be an http(s) URL on one of allowed_destination_domains",
                code="destination_not_allowed",
            )
    if draft.cookie_domain and not host_allowed(draft.cookie_domain, draft.allowed_destination_domains):
        raise BadRequest("cookie_domain must be one of allowed_destination_domains", code="cookie_domain_not_allowed")
    if draft.default_plan_id:
        ctx.programs.get_plan(ctx.program_id, draft.default_plan_id)
    ctx.programs.save(draft)
    return draft


class PlanInput(Model):
    """A new commission plan (POST /admin/plans)."""

    model_config = ConfigDict(extra="forbid")

    plan_id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)
    lead_bounty: Money | None = None
    first_sale_flat: Money | None = None
    sale_rate: Decimal | None = Field(default=None, ge=0, le=1)
    recurring_scope: RecurringScope = RecurringScope.LIFETIME
    recurring_count: int | None = Field(default=None, ge=1, le=1200)
    tier_metric: TierMetric = TierMetric.REVENUE
    tiers: list[Tier] = Field(default_factory=list, max_length=20)
    revenue_bonus: ThresholdBonus | None = None
    renewal_bonus: Money | None = None
    first_sale_flats: list[Money] = Field(default_factory=list, max_length=50, description="one per other currency")
    renewal_bonuses: list[Money] = Field(default_factory=list, max_length=50, description="one per other currency")


def create_plan(ctx: AppContext, data: PlanInput) -> CommissionPlan:
    """Store a new commission plan after checking that its rules make sense together."""
    if data.recurring_scope in (RecurringScope.MONTHS, RecurringScope.INVOICES) and not data.recurring_count:
        raise BadRequest(f"recurring_scope {data.recurring_scope.value} needs recurring_count", code="invalid_plan")
    thresholds = [t.threshold for t in data.tiers]
    if thresholds != sorted(set(thresholds)):
        raise BadRequest("tiers must have strictly increasing thresholds", code="invalid_plan")
    for money_field in ("lead_bounty", "first_sale_flat", "renewal_bonus"):
        value = getattr(data, money_field)
        if value is not None and value.amount < 0:
            raise BadRequest(f"{money_field} must not be negative", code="invalid_plan")
    for flats_field, single in (("first_sale_flats", data.first_sale_flat), ("renewal_bonuses", data.renewal_bonus)):
        flats = [single, *getattr(data, flats_field)] if single is not None else getattr(data, flats_field)
        if any(m.amount < 0 for m in flats):
            raise BadRequest(f"{flats_field} must not be negative", code="invalid_plan")
        if len({m.currency for m in flats}) != len(flats):
            raise BadRequest(f"{flats_field}: one amount per currency", code="invalid_plan")
    if data.revenue_bonus and data.revenue_bonus.threshold.currency != data.revenue_bonus.bonus.currency:
        raise BadRequest("revenue_bonus threshold and bonus must share a currency", code="invalid_plan")
    plan = CommissionPlan(
        program_id=ctx.program_id,
        created_at=ctx.clock.now(),
        **{**data.model_dump(exclude={"plan_id"}), "plan_id": data.plan_id or new_id("plan")},
    )
    ctx.programs.create_plan(plan)
    return plan
