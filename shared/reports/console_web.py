"""The console's Reports page: the program's months, the leaderboard with the partner of the month, and the
partners that need attention. Staff only (the console's session check)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from shared.audit import service as audit
from shared.console.web import console_page, staff_signed_in
from shared.context import get_context
from shared.core.errors import BadRequest
from shared.core.money import Money, normalize_currency
from shared.reports import service
from shared.reports.rules import BAR_STEP, bar_chart, shift_month, valid_month
from shared.reports.service import KEYS_PER_PAGE
from shared.web.pages import redirect, web_request

router = Router()
INACTIVE_DAYS = 30


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


@router.get("/console/reports")
def reports_page() -> Response:
    request = web_request(router)
    ctx = get_context()
    staff = staff_signed_in(request, ctx)
    current = service.this_month(ctx)
    month = request.query.get("month") or current
    if not valid_month(month):
        month = current
    program = service.program_report(ctx, service.month_range(ctx, shift_month(month, -11), month))
    board = service.leaderboard(ctx, month, limit=10)
    health, next_cursor = service.partner_health(
        ctx, inactive_days=INACTIVE_DAYS, limit=50, cursor=request.query.get("cursor") or None
    )
    group_rows, _ = service.groups_report(ctx, [month], limit=KEYS_PER_PAGE)
    months = [{**row, "date": _first_day(row["month"])} for row in reversed(program["items"])]
    bars = bar_chart([(row["month"], row["clicks"]) for row in program["items"]])
    chart = {"bars": list(zip(bars, reversed(months), strict=True)), "width": len(bars) * BAR_STEP}
    return console_page(
        request,
        staff,
        "console/reports.html",
        "reports",
        month=month,
        month_date=_first_day(month),
        months=months,
        chart=chart,
        board=board,
        chosen=service.partner_of_month(ctx, month),
        health=health,
        groups=group_rows,
        inactive_days=INACTIVE_DAYS,
        next_cursor=next_cursor,
        notice=request.query.get("done"),
    )


@router.post("/console/reports/partner-of-the-month")
def choose_partner_of_month() -> Response:
    request = web_request(router)
    ctx = get_context()
    staff = staff_signed_in(request, ctx)
    form = request.require_csrf()
    month, partner_id = form.get("month", ""), form.get("partner_id", "")
    if not valid_month(month) or not partner_id:
        raise BadRequest("choose a partner and a month (YYYY-MM)", code="invalid_choice")
    note = (form.get("note") or "").strip()[:500] or None
    reward, description = _reward(form)
    chosen = service.choose_partner_of_month(
        ctx, month, partner_id, note, reward=reward, reward_description=description, actor=staff
    )
    detail = month + (f" reward {chosen['reward']['commission_id']}" if chosen.get("reward") else "")
    audit.record(ctx, staff, "reports.partner_of_the_month", partner_id=partner_id, detail=detail)
    return redirect(request, f"/console/reports?month={month}&done=chosen")


def _reward(form: Mapping[str, str]) -> tuple[Money | None, str | None]:
    """The optional reward of the choice form: an amount in the currency's units (0 with a description: a
    non-cash reward); both fields empty: no reward."""
    raw = (form.get("reward_amount") or "").strip()
    description = (form.get("reward_description") or "").strip()[:500] or None
    if not raw and description is None:
        return None, None
    try:
        currency = normalize_currency(form.get("reward_currency") or "")
        amount = _minor_units(raw or "0", currency)
    except ValueError as error:
        raise BadRequest(
            "reward: write the amount in the currency's units (for example 50.00) and a currency code",
            code="invalid_reward",
        ) from error
    return Money.of(amount, currency), description


def _minor_units(raw: str, currency: str) -> int:
    """A non-negative amount typed in the currency's major unit ("50", "12.50", "12,50") as integer minor units;
    more decimals than the currency has, or anything else, is a ValueError (never a float)."""
    from babel.numbers import get_currency_precision  # noqa: PLC0415 - babel loads with the pages only

    text = raw.strip().replace(",", ".", 1) if raw.count(",") == 1 and "." not in raw else raw.strip()
    if not re.fullmatch(r"\d{1,12}(\.\d+)?", text):
        raise ValueError(raw)
    scaled = Decimal(text).scaleb(get_currency_precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(raw)
    return int(scaled)
