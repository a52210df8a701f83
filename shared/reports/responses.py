"""The bodies the report routes answer, for the published OpenAPI documents only (shared.core.openapi:
imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.core.entity import Model
from shared.core.money import Money


class Conversion(Model):
    """Conversion rates as 4-place decimal strings; null when undefined (nothing to convert from)."""

    visitor_to_lead: str | None
    lead_to_qualified: str | None
    lead_to_customer: str | None


class Figures(Model):
    """A funnel over some months: counts, and money per ISO currency in minor units."""

    clicks: int
    unique_visitors: int
    leads: int
    qualified_leads: int
    customers: int
    revenue: dict[str, int]
    refunds: dict[str, int]
    commission: dict[str, int]
    reversals: dict[str, int]
    payouts: dict[str, int]
    conversion: Conversion


class PartnerFigures(Figures):
    """One partner's funnel."""

    partner_id: str
    name: str
    status: str


class PartnersReport(Model):
    """GET /admin/reports/partners (JSON): one page of partners with their funnel over the months."""

    from_: str = Field(alias="from")
    to: str
    items: list[PartnerFigures]
    next_cursor: str | None


class MonthFigures(Figures):
    """One month's funnel."""

    month: str


class MonthlyReport(Model):
    """The funnel per month (every month of the range, zeros included) and over the range."""

    items: list[MonthFigures]
    totals: Figures
    next_cursor: None


class LinkFigures(Figures):
    """One link's funnel."""

    code: str


class PartnerReport(MonthlyReport):
    """GET /partner/reports: the partner's own funnel per month and per link."""

    links: list[LinkFigures]


class RecognitionSettingsView(Model):
    """The leaderboard's metric, the currency revenue is ranked in, and whether partners see names."""

    metric: Literal["revenue", "customers", "qualified_leads"]
    currency: str
    partners_see_names: bool


class LeaderboardRow(Model):
    """A partner's place on the month's leaderboard."""

    rank: int
    partner_id: str
    name: str | None
    score: int


class Leaderboard(RecognitionSettingsView):
    """GET /admin/reports/leaderboard: the top partners of the month and how many were ranked."""

    month: str
    items: list[LeaderboardRow]
    ranked: int


class NamedRank(Model):
    """A place on the leaderboard as partners see it (names only when the program shows them)."""

    rank: int
    name: str | None
    score: int


class PartnerRank(Model):
    """GET /partner/reports/rank: the partner's own rank (null when unranked) and score."""

    month: str
    metric: str
    currency: str
    ranked: int
    rank: int | None
    score: int
    items: list[NamedRank] | None = None


class Reward(Model):
    """The partner of the month's reward: one ledger adjustment."""

    commission_id: str
    amount: Money
    description: str | None = None


class PartnerOfMonthView(Model):
    """Staff's partner of the month, with an optional note and reward."""

    month: str
    partner_id: str
    name: str
    note: str | None = None
    chosen_at: datetime
    reward: Reward | None = None


class HealthReason(Model):
    """Why a partner needs attention."""

    code: str
    message: str


class PartnerHealth(Model):
    """A partner that needs attention, with every reason."""

    partner_id: str
    name: str
    reasons: list[HealthReason]


class HealthReport(Model):
    """GET /admin/reports/health: one page of partners that need attention."""

    items: list[PartnerHealth]
    next_cursor: str | None


class GroupFigures(Figures):
    """One group's funnel (each figure in the group its partner was in when it was earned)."""

    group_id: str
    name: str


class GroupsReport(Model):
    """GET /admin/reports/groups: one page of groups with their funnel over the months."""

    from_: str = Field(alias="from")
    to: str
    items: list[GroupFigures]
    next_cursor: str | None
