"""Partner report routes: the calling partner's own funnel per month and per link, and its leaderboard rank.

The partner id comes from the credential, so no request reaches another partner's figures.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.context import get_context
from shared.core.api import json_response
from shared.core.openapi import returns
from shared.partners.partner_auth import current_partner_id
from shared.reports import service
from shared.reports.rules import MONTH_PATTERN

router = Router()

Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM (UTC)")]


@router.get("/partner/reports", responses=returns("shared.reports.responses:PartnerReport"))
def own_report(
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    to: Month = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
):
    ctx = get_context()
    months = service.month_range(ctx, from_, to)
    # Every month of the range fits one page (at most 24): `cursor` is accepted and there is never a next one.
    return json_response(service.partner_report(ctx, current_partner_id(router), months))


@router.get("/partner/reports/rank", responses=returns("shared.reports.responses:PartnerRank"))
def own_rank(month: Month = None):
    ctx = get_context()
    return json_response(service.partner_rank(ctx, current_partner_id(router), month or service.this_month(ctx)))
