"""Admin report routes: the funnel per partner (JSON or CSV), the program per month, the leaderboard, the
partner of the month, the recognition settings and the partners that need attention."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import ConfigDict, Field

from shared.commissions.adjustments import staff_principal
from shared.context import get_context
from shared.core.api import json_response
from shared.core.entity import Model
from shared.core.errors import BadRequest, NotFound
from shared.core.money import Money
from shared.core.openapi import returns
from shared.payouts.admin_api import csv_response
from shared.reports import service
from shared.reports.rules import COUNTS, MONEY, MONTH_PATTERN

router = Router()

Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM (UTC)")]
MonthPath = Annotated[str, Path(pattern=MONTH_PATTERN)]


class RecognitionSettings(Model):
    """The leaderboard's metric, the currency revenue is ranked in, and whether partners see names."""

    model_config = ConfigDict(extra="forbid")

    metric: Literal["revenue", "customers", "qualified_leads"] = "revenue"
    currency: str = Field(default="USD", pattern=r"^[A-Za-z]{3}$")
    partners_see_names: bool = False


class Reward(Model):
    """A partner of the month's reward: an amount in minor units, or 0 with a description (non-cash)."""

    model_config = ConfigDict(extra="forbid")

    amount: int = Field(ge=0, le=100_000_000_00, description="minor units; 0 for a non-cash reward")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    description: str | None = Field(default=None, max_length=500, description="what a non-cash reward is")


class PartnerOfMonth(Model):
    """Staff's choice for a month, with an optional note shown in the portal and an optional reward (a ledger
    adjustment, paid once however often the same partner is chosen)."""

    model_config = ConfigDict(extra="forbid")

    partner_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)
    reward: Reward | None = None


def _csv_cell(value: Any) -> Any:
    # A cell a spreadsheet would read as a formula is written as text.
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def partners_csv(rows: list[dict[str, Any]]) -> str:
    """The partners report as CSV: one column per count and per money figure and currency."""
    currencies = {name: sorted({c for row in rows for c in row[name]}) for name in MONEY}
    header = ["partner_id", "name", "status", *COUNTS]
    header += [f"{name}_{currency}" for name in MONEY for currency in currencies[name]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        cells = [row["partner_id"], row["name"], row["status"], *(row[name] for name in COUNTS)]
        cells += [row[name].get(currency, 0) for name in MONEY for currency in currencies[name]]
        writer.writerow([_csv_cell(c) for c in cells])
    return buffer.getvalue()


@router.get("/admin/reports/partners", responses=returns("shared.reports.responses:PartnersReport", csv=True))
def partners_report(
    *,
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    to: Month = None,
    sort: Annotated[str, Query(max_length=40)] = "partner_id",
    limit: Annotated[int, Query(ge=1, le=200)] = service.DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    format: Literal["json", "csv"] = "json",
):
    ctx = get_context()
    months = service.month_range(ctx, from_, to)
    rows, next_cursor = service.partners_report(ctx, months, sort=sort, limit=limit, cursor=cursor)
    if format == "csv":
        response = csv_response(partners_csv(rows), f"partners-{months[0]}-{months[-1]}.csv")
        if next_cursor:
            response.headers["X-Next-Cursor"] = next_cursor
        return response
    return json_response({"from": months[0], "to": months[-1], "items": rows, "next_cursor": next_cursor})


@router.get("/admin/reports/program", responses=returns("shared.reports.responses:MonthlyReport"))
def program_report(from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None, to: Month = None):
    ctx = get_context()
    return json_response(service.program_report(ctx, service.month_range(ctx, from_, to)))


@router.get("/admin/reports/groups", responses=returns("shared.reports.responses:GroupsReport"))
def groups_report(
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    to: Month = None,
    limit: Annotated[int, Query(ge=1, le=200)] = service.DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
):
    ctx = get_context()
    months = service.month_range(ctx, from_, to)
    rows, next_cursor = service.groups_report(ctx, months, limit=limit, cursor=cursor)
    return json_response({"from": months[0], "to": months[-1], "items": rows, "next_cursor": next_cursor})


@router.get("/admin/reports/leaderboard", responses=returns("shared.reports.responses:Leaderboard"))
def leaderboard(month: Month = None, limit: Annotated[int, Query(ge=1, le=100)] = 10):
    ctx = get_context()
    board = service.leaderboard(ctx, month or service.this_month(ctx), limit=limit)
    return json_response(board)


@router.get(
    "/admin/reports/recognition-settings", responses=returns("shared.reports.responses:RecognitionSettingsView")
)
def get_recognition_settings():
    return json_response(service.recognition_settings(get_context()))


@router.put(
    "/admin/reports/recognition-settings", responses=returns("shared.reports.responses:RecognitionSettingsView")
)
def put_recognition_settings(settings: Annotated[RecognitionSettings, Body()]):
    saved = service.save_recognition_settings(
        get_context(), settings.metric, settings.currency, settings.partners_see_names
    )
    return json_response(saved)


def _money(amount: int, currency: str) -> Money:
    try:
        return Money.of(amount, currency)
    except ValueError as error:
        raise BadRequest("currency: not an ISO 4217 currency code", code="invalid_currency") from error


@router.put(
    "/admin/reports/partner-of-the-month/<month>", responses=returns("shared.reports.responses:PartnerOfMonthView")
)
def choose_partner_of_month(month: MonthPath, choice: Annotated[PartnerOfMonth, Body()]):
    ctx = get_context()
    reward = choice.reward
    chosen = service.choose_partner_of_month(
        ctx, month, choice.partner_id, choice.note,
        reward=_money(reward.amount, reward.currency) if reward else None,
        reward_description=reward.description if reward else None,
        actor=staff_principal(dict(router.current_event.raw_event.get("requestContext") or {})),
    )  # fmt: skip
    return json_response(chosen)


@router.get(
    "/admin/reports/partner-of-the-month/<month>", responses=returns("shared.reports.responses:PartnerOfMonthView")
)
def get_partner_of_month(month: MonthPath):
    found = service.partner_of_month(get_context(), month)
    if found is None:
        raise NotFound(f"no partner of the month chosen for {month}", code="partner_of_month_not_found")
    return json_response(found)


@router.get("/admin/reports/health", responses=returns("shared.reports.responses:HealthReport"))
def partner_health(
    inactive_days: Annotated[int, Query(ge=1, le=365)] = 30,
    limit: Annotated[int, Query(ge=1, le=200)] = service.DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
):
    rows, next_cursor = service.partner_health(get_context(), inactive_days=inactive_days, limit=limit, cursor=cursor)
    return json_response({"items": rows, "next_cursor": next_cursor})
