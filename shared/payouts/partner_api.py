"""Partner routes: the partner's own payouts (withheld ones with their reason) and statements.

The partner id comes from the credential: a payout of another partner is simply not found.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.context import get_context
from shared.core.api import json_response
from shared.core.openapi import returns, returns_csv
from shared.partners.partner_auth import current_partner_id
from shared.payouts.api_params import Currency, PeriodPath, StatementFormat, csv_response
from shared.payouts.models import Payout
from shared.payouts.rules import PERIOD_PATTERN, Statement, statement_csv

router = Router()

# What a partner sees of a payout: never the claim plan's internals.
PARTNER_FIELDS = {
    "payout_id", "period", "amount", "status", "method", "commission_count", "stripe_transfer_id",
    "reference", "failure_reason", "withheld_reason", "created_at", "paid_at",
}  # fmt: skip


def payout_view(payout: Payout) -> dict[str, object]:
    """A payout as its partner sees it."""
    return payout.model_dump(mode="json", include=PARTNER_FIELDS, exclude_none=True)


@router.get("/partner/payouts", responses=returns("shared.payouts.responses:PartnerPayoutList"))
def list_own_payouts(period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None):
    payouts = get_context().payouts.list_partner(current_partner_id(router), period)
    return json_response({"items": [payout_view(p) for p in payouts]})


@router.get(
    "/partner/payouts/<period>/<currency>/statement",
    responses=returns("shared.payouts.responses:StatementView", csv=True),
)
def own_statement(period: PeriodPath, currency: Currency, format: StatementFormat = "json"):
    partner_id = current_partner_id(router)
    stmt = _statement(partner_id, period, currency)
    if format == "csv":
        return csv_response(statement_csv(stmt), f"statement-{period}-{currency.upper()}.csv")
    return json_response(stmt.as_json())


@router.get("/partner/payouts/<period>/<currency>/statement.csv", responses=returns_csv())
def own_statement_csv(period: PeriodPath, currency: Currency):
    stmt = _statement(current_partner_id(router), period, currency)
    return csv_response(statement_csv(stmt), f"statement-{period}-{currency.upper()}.csv")


def _statement(partner_id: str, period: str, currency: str) -> Statement:
    """The partner's statement of a period (shared.payouts.run, imported with the first statement asked for: the
    payout run's module and what it imports are not on the partner API's cold start for its other routes)."""
    from shared.payouts import run as payout_run  # noqa: PLC0415

    return payout_run.payout_statement(get_context(), partner_id, period, currency)
