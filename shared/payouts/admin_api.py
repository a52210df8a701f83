"""Admin routes: payouts of a period (list, preview, CSV export of manual payouts), statements, and marking
a manual payout paid. The run itself is the payouts function (schedule, manual invoke, `make payouts`).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from pydantic import ConfigDict, Field

from shared.audit import service as audit
from shared.commissions.adjustments import staff_principal
from shared.context import get_context
from shared.core.api import dump, json_response
from shared.core.entity import Model
from shared.core.openapi import returns, returns_csv
from shared.payouts import release
from shared.payouts import run as payout_run
from shared.payouts.api_params import Currency, PeriodPath, StatementFormat, csv_response
from shared.payouts.rules import PERIOD_PATTERN, manual_export_csv, statement_csv
from shared.payouts.trigger import start_payout_run

router = Router()

Period = Annotated[str, Query(pattern=PERIOD_PATTERN, description="YYYY-MM")]
PartnerId = Annotated[str, PathParam(min_length=1, max_length=64)]


class RunPayouts(Model):
    """POST /admin/payouts/run."""

    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=PERIOD_PATTERN, description="the month to pay, YYYY-MM")
    dry_run: bool = Field(default=False, description="preview what the run would pay now; writes nothing")


class ReleasePayout(Model):
    """POST /admin/payouts/{partner_id}/{period}/{currency}/release."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, description="why finance releases it; kept on the payout")


class MarkPaid(Model):
    """POST /admin/payouts/{partner_id}/{period}/{currency}/mark-paid."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=200, description="PayPal/Wise/bank transaction reference")


@router.get("/admin/payouts", responses=returns("shared.payouts.responses:PayoutPage"))
def list_payouts(
    period: Period,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    items, next_cursor = get_context().payouts.list_period(period, limit=limit, cursor=cursor)
    return json_response({"items": dump(items), "next_cursor": next_cursor})


@router.get("/admin/payouts/preview", responses=returns("shared.payouts.responses:Preview"))
def preview_payouts(period: Period):
    ctx = get_context()
    run = payout_run.PayoutRun(ctx, None, timezone=ctx.settings.payout_timezone)
    return json_response(run.preview(period))


@router.post(
    "/admin/payouts/run",
    responses={**returns("shared.payouts.responses:RunAnswer"), **returns("shared.payouts.responses:RunStarted", 202)},
)
def run_payouts(body: Annotated[RunPayouts, Body()]):
    status, result = start_payout_run(get_context(), body.period, dry_run=body.dry_run)
    return json_response(result, status)


@router.get("/admin/payouts/export.csv", responses=returns_csv())
def export_manual_payouts(period: Period):
    payouts = payout_run.manual_payouts_due(get_context(), period)
    return csv_response(manual_export_csv(payouts), f"manual-payouts-{period}.csv")


@router.post(
    "/admin/payouts/<partner_id>/<period>/<currency>/mark-paid", responses=returns("shared.payouts.models:Payout")
)
def mark_payout_paid(partner_id: PartnerId, period: PeriodPath, currency: Currency, body: Annotated[MarkPaid, Body()]):
    return json_response(dump(payout_run.mark_paid(get_context(), partner_id, period, currency, body.reference)))


@router.post(
    "/admin/payouts/<partner_id>/<period>/<currency>/release", responses=returns("shared.payouts.models:Payout")
)
def release_payout(
    partner_id: PartnerId, period: PeriodPath, currency: Currency, body: Annotated[ReleasePayout, Body()]
):
    ctx = get_context()
    who = staff_principal(dict(router.current_event.raw_event.get("requestContext") or {}))
    released, by_this_call = release.release_payout(
        ctx, partner_id, period, currency, reason=body.reason, released_by=who
    )
    if by_this_call:  # a repeat answers the stored record and is not audited twice
        audit.record(ctx, who, "payout.released", partner_id=partner_id, detail=f"{released.payout_id}: {body.reason}")
    return json_response(dump(released))


@router.get(
    "/admin/payouts/<partner_id>/<period>/<currency>/statement",
    responses=returns("shared.payouts.responses:StatementView", csv=True),
)
def payout_statement(partner_id: PartnerId, period: PeriodPath, currency: Currency, format: StatementFormat = "json"):
    stmt = payout_run.payout_statement(get_context(), partner_id, period, currency)
    if format == "csv":
        return csv_response(statement_csv(stmt), f"statement-{partner_id}-{period}-{currency.upper()}.csv")
    return json_response(stmt.as_json())


@router.get("/admin/payouts/<partner_id>/<period>/<currency>/statement.csv", responses=returns_csv())
def payout_statement_csv(partner_id: PartnerId, period: PeriodPath, currency: Currency):
    stmt = payout_run.payout_statement(get_context(), partner_id, period, currency)
    return csv_response(statement_csv(stmt), f"statement-{partner_id}-{period}-{currency.upper()}.csv")
