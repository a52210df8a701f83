"""Partner routes: the partner's own ledger (source customer/invoice/rule and effective status) and balances
per currency. The partner id comes from the credential; nobody sees another partner's entries."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.commissions import adjustments, promotion_codes
from shared.commissions import service as commission_admin
from shared.commissions.models import CommissionStatus
from shared.context import get_context
from shared.core.api import json_response
from shared.core.openapi import returns
from shared.partners.partner_auth import current_partner_id

router = Router()


@router.get("/partner/commissions", responses=returns("shared.commissions.responses:PartnerCommissionPage"))
def list_commissions(
    status: Annotated[CommissionStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    ctx = get_context()
    partner_id = current_partner_id(router)
    items, next_cursor = commission_admin.list_page(
        ctx, partner_id=partner_id, status=status, limit=limit, cursor=cursor
    )
    return json_response(
        {"items": items, "next_cursor": next_cursor, "balances": commission_admin.balances(ctx, partner_id)}
    )


@router.get("/partner/balance", responses=returns("shared.commissions.responses:BalanceView"))
def balance():
    ctx = get_context()
    return json_response({"balances": commission_admin.balances(ctx, current_partner_id(router))})


@router.get("/partner/adjustments", responses=returns("shared.commissions.responses:AdjustmentList"))
def list_own_adjustments():
    ctx = get_context()
    return json_response({"items": adjustments.partner_adjustments(ctx, current_partner_id(router))})


@router.get("/partner/promotion-codes", responses=returns("shared.commissions.responses:PromotionCodeList"))
def list_own_promotion_codes():
    ctx = get_context()
    return json_response({"items": promotion_codes.partner_codes(ctx, current_partner_id(router))})
