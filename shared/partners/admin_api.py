"""Admin routes: partners, their status, agreement, plan, payout method and API keys."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from pydantic import ConfigDict, Field

from shared.context import get_context
from shared.core.api import dump, json_response
from shared.core.entity import Model
from shared.core.openapi import returns
from shared.partners import service as partners
from shared.partners.models import PartnerApiKey, PartnerStatus, PayoutMethod

router = Router()

PartnerId = Annotated[str, PathParam(min_length=1, max_length=64)]


class StatusChange(Model):
    """POST /admin/partners/{id}/status."""

    model_config = ConfigDict(extra="forbid")

    status: PartnerStatus
    reason: str | None = Field(default=None, max_length=500)


StripeCustomerId = Annotated[str, Field(pattern=r"^cus_[A-Za-z0-9]{1,200}$")]


class PartnerUpdate(Model):
    """PATCH /admin/partners/{id}: the partner's own Stripe customers (a sale to one is a self-purchase)."""

    model_config = ConfigDict(extra="forbid")

    stripe_customer_ids: list[StripeCustomerId] = Field(
        max_length=20, description="cus_... ids of the partner's own Stripe customers; replaces the list"
    )


class AgreementAcceptance(Model):
    """POST /admin/partners/{id}/agreement."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=50)


class PlanAssignment(Model):
    """PUT /admin/partners/{id}/plan."""

    model_config = ConfigDict(extra="forbid")

    plan_id: str | None


class ApiKeyRequest(Model):
    """POST /admin/partners/{id}/api-keys."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=100)


def _api_key_view(api_key: PartnerApiKey) -> dict[str, object]:
    # Never the hash: a partner's credential is shown once, at issue, and never again.
    return dict(dump(api_key.model_copy(update={"key_hash": None})))


@router.post("/admin/partners", responses=returns("shared.partners.models:Partner", 201))
def create_partner(partner: Annotated[partners.PartnerInput, Body()]):
    return json_response(dump(partners.create_partner(get_context(), partner)), 201)


@router.get("/admin/partners", responses=returns("shared.partners.responses:PartnerPage"))
def list_partners(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    ctx = get_context()
    items, next_cursor = ctx.partners.list_page(ctx.program_id, limit=limit, cursor=cursor)
    return json_response({"items": dump(items), "next_cursor": next_cursor})


@router.get("/admin/partners/<partner_id>", responses=returns("shared.partners.models:Partner"))
def read_partner(partner_id: PartnerId):
    return json_response(dump(get_context().partners.get(partner_id)))


@router.patch("/admin/partners/<partner_id>", responses=returns("shared.partners.models:Partner"))
def update_partner(partner_id: PartnerId, update: Annotated[PartnerUpdate, Body()]):
    return json_response(dump(partners.set_stripe_customer_ids(get_context(), partner_id, update.stripe_customer_ids)))


@router.post("/admin/partners/<partner_id>/status", responses=returns("shared.partners.models:Partner"))
def change_status(partner_id: PartnerId, change: Annotated[StatusChange, Body()]):
    return json_response(dump(partners.change_status(get_context(), partner_id, change.status, change.reason)))


@router.post("/admin/partners/<partner_id>/agreement", responses=returns("shared.partners.models:Partner"))
def accept_agreement(partner_id: PartnerId, acceptance: Annotated[AgreementAcceptance, Body()]):
    return json_response(dump(partners.accept_agreement(get_context(), partner_id, acceptance.version)))


@router.put("/admin/partners/<partner_id>/plan", responses=returns("shared.partners.models:Partner"))
def assign_plan(partner_id: PartnerId, assignment: Annotated[PlanAssignment, Body()]):
    return json_response(dump(partners.set_plan(get_context(), partner_id, assignment.plan_id)))


@router.put("/admin/partners/<partner_id>/payout-method", responses=returns("shared.partners.models:Partner"))
def set_payout_method(partner_id: PartnerId, method: Annotated[PayoutMethod, Body()]):
    return json_response(dump(partners.set_payout_method(get_context(), partner_id, method)))


@router.post("/admin/partners/<partner_id>/api-keys", responses=returns("shared.partners.responses:IssuedApiKey", 201))
def issue_api_key(partner_id: PartnerId, request: Annotated[ApiKeyRequest, Body()]):
    api_key, secret = partners.issue_api_key(get_context(), partner_id, request.label)
    return json_response({**_api_key_view(api_key), "api_key": secret}, 201)


@router.get("/admin/partners/<partner_id>/api-keys", responses=returns("shared.partners.responses:ApiKeyList"))
def list_api_keys(partner_id: PartnerId):
    ctx = get_context()
    ctx.partners.get(partner_id)
    return json_response({"items": [_api_key_view(k) for k in ctx.partners.list_api_keys(partner_id)]})


@router.delete(
    "/admin/partners/<partner_id>/api-keys/<key_id>", responses=returns("shared.partners.responses:ApiKeyView")
)
def revoke_api_key(partner_id: PartnerId, key_id: Annotated[str, PathParam(max_length=64)]):
    return json_response(_api_key_view(partners.revoke_api_key(get_context(), partner_id, key_id)))
