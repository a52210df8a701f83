"""Admin routes: the commission ledger - list (by partner, by status, paged), read one entry with its
reversals, approve early, void with a reason; the review queue (flagged entries approved or rejected); manual
adjustments."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from pydantic import ConfigDict, Field

from shared.commissions import adjustments, manual_attribution, promotion_codes
from shared.commissions import service as commission_admin
from shared.commissions.models import CommissionStatus
from shared.context import get_context
from shared.core.api import json_response
from shared.core.entity import Model
from shared.core.money import Money
from shared.core.openapi import returns
from shared.payouts.release import payouts_in_review

router = Router()

PartnerId = Annotated[str, PathParam(min_length=1, max_length=64)]
CommissionId = Annotated[str, PathParam(min_length=1, max_length=200)]


class VoidRequest(Model):
    """POST /admin/commissions/{partner_id}/{commission_id}/void: the reason the partner will read."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)


@router.get("/admin/commissions", responses=returns("shared.commissions.responses:CommissionPage"))
def list_commissions(
    partner_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status: Annotated[CommissionStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    items, next_cursor = commission_admin.list_page(
        get_context(), partner_id=partner_id, status=status, limit=limit, cursor=cursor
    )
    return json_response({"items": items, "next_cursor": next_cursor})


@router.get(
    "/admin/commissions/<partner_id>/<commission_id>",
    responses=returns("shared.commissions.responses:CommissionWithReversals"),
)
def read_commission(partner_id: PartnerId, commission_id: CommissionId):
    return json_response(commission_admin.read(get_context(), partner_id, commission_id))


@router.post(
    "/admin/commissions/<partner_id>/<commission_id>/approve",
    responses=returns("shared.commissions.responses:CommissionView"),
)
def approve_commission(partner_id: PartnerId, commission_id: CommissionId):
    return json_response(commission_admin.approve_early(get_context(), partner_id, commission_id))


@router.post(
    "/admin/commissions/<partner_id>/<commission_id>/void",
    responses=returns("shared.commissions.responses:CommissionWithReversals"),
)
def void_commission(partner_id: PartnerId, commission_id: CommissionId, request: Annotated[VoidRequest, Body()]):
    return json_response(commission_admin.void(get_context(), partner_id, commission_id, request.reason))


class ReviewApproval(Model):
    """POST /admin/review/{partner_id}/{commission_id}/approve: an optional note."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


@router.get("/admin/review", responses=returns("shared.commissions.responses:ReviewQueue"))
def list_review_queue(
    partner_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    ctx = get_context()
    items, next_cursor = commission_admin.review_page(ctx, partner_id=partner_id, limit=limit, cursor=cursor)
    # Payouts the run flagged wait here too; finance releases them (POST /admin/payouts/.../release).
    return json_response({"items": items, "next_cursor": next_cursor, "payouts": payouts_in_review(ctx, partner_id)})


@router.post(
    "/admin/review/<partner_id>/<commission_id>/approve",
    responses=returns("shared.commissions.responses:CommissionWithReversals"),
)
def approve_reviewed(partner_id: PartnerId, commission_id: CommissionId, request: Annotated[ReviewApproval, Body()]):
    decided = commission_admin.decide_review(
        get_context(), partner_id, commission_id, approve=True, reason=request.reason
    )
    return json_response(decided)


@router.post(
    "/admin/review/<partner_id>/<commission_id>/reject",
    responses=returns("shared.commissions.responses:CommissionWithReversals"),
)
def reject_reviewed(partner_id: PartnerId, commission_id: CommissionId, request: Annotated[VoidRequest, Body()]):
    decided = commission_admin.decide_review(
        get_context(), partner_id, commission_id, approve=False, reason=request.reason
    )
    return json_response(decided)


class AdjustmentRequest(Model):
    """POST /admin/partners/{partner_id}/adjustments: a bonus (> 0), a correction (< 0) or a non-cash reward
    (0, with a description), in minor units of the currency."""

    model_config = ConfigDict(extra="forbid")

    amount: int = Field(ge=-100_000_000_00, le=100_000_000_00, description="minor units; negative takes back")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    reason: str = Field(min_length=3, max_length=500, description="why; the partner reads it")
    description: str | None = Field(default=None, max_length=500, description="what a non-cash reward is")


@router.post(
    "/admin/partners/<partner_id>/adjustments", responses=returns("shared.commissions.responses:CommissionView", 201)
)
def create_adjustment(partner_id: PartnerId, request: Annotated[AdjustmentRequest, Body()]):
    ctx = get_context()
    who = adjustments.staff_principal(dict(router.current_event.raw_event.get("requestContext") or {}))
    amount = Money.of(request.amount, request.currency)
    created = adjustments.create_adjustment(
        ctx, partner_id, amount, request.reason, description=request.description, created_by=who
    )
    return json_response(created, 201)


@router.get(
    "/admin/partners/<partner_id>/adjustments", responses=returns("shared.commissions.responses:AdjustmentList")
)
def list_adjustments(partner_id: PartnerId):
    return json_response({"items": adjustments.partner_adjustments(get_context(), partner_id)})


class AttributionRequest(Model):
    """POST /admin/customers/{customer_id}/attribution: a partner or a lead, why, and whether to move a
    customer already attributed to another partner."""

    model_config = ConfigDict(extra="forbid")

    partner_id: str | None = Field(default=None, min_length=1, max_length=64)
    lead_id: str | None = Field(default=None, min_length=1, max_length=64)
    reason: str = Field(min_length=3, max_length=500)
    reattribute: bool = False


@router.post(
    "/admin/customers/<customer_id>/attribution", responses=returns("shared.commissions.responses:AttributionResult")
)
def attribute_customer(
    customer_id: Annotated[str, PathParam(pattern=r"^cus_[A-Za-z0-9]{1,200}$")],
    request: Annotated[AttributionRequest, Body()],
):
    who = adjustments.staff_principal(dict(router.current_event.raw_event.get("requestContext") or {}))
    result = manual_attribution.attribute_customer(
        get_context(),
        customer_id,
        partner_id=request.partner_id,
        lead_id=request.lead_id,
        reason=request.reason,
        attributed_by=who,
        reattribute=request.reattribute,
    )
    return json_response(result)


class PromotionCodeRequest(Model):
    """POST /admin/partners/{partner_id}/promotion-codes: a Stripe promotion code id or its code text."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="promo_... or code")


@router.post(
    "/admin/partners/<partner_id>/promotion-codes",
    responses=returns("shared.commissions.responses:PromotionCodeView", 201, 200),
)
def assign_promotion_code(partner_id: PartnerId, request: Annotated[PromotionCodeRequest, Body()]):
    who = adjustments.staff_principal(dict(router.current_event.raw_event.get("requestContext") or {}))
    created, shown = promotion_codes.assign(get_context(), partner_id, request.code, who)
    return json_response(shown, 201 if created else 200)


@router.get(
    "/admin/partners/<partner_id>/promotion-codes", responses=returns("shared.commissions.responses:PromotionCodeList")
)
def list_promotion_codes(partner_id: PartnerId):
    return json_response({"items": promotion_codes.partner_codes(get_context(), partner_id)})
