"""The console's Reports page: the program's months, the leaderboard with the partner of the month, and the
partners that need attention. Staff only (the console's session check)."""

from __future__ import annotations

from datetime import date

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from shared.audit import service as audit
from shared.console.web import console_page, staff_signed_in
from shared.context import get_context
from shared.core.errors import BadRequest
from shared.reports import service
from shared.reports.rules import shift_month, valid_month
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
    months = [{**row, "date": _first_day(row["month"])} for row in reversed(program["items"])]
    return console_page(
        request,
        staff,
        "console/reports.html",
        "reports",
        month=month,
        month_date=_first_day(month),
        months=months,
        board=board,
        chosen=service.partner_of_month(ctx, month),
        health=health,
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
    service.choose_partner_of_month(ctx, month, partner_id, note)
    audit.record(ctx, staff, "reports.partner_of_the_month", partner_id=partner_id, detail=month)
    return redirect(request, f"/console/reports?month={month}&done=chosen")
