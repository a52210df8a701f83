"""Admin routes: list and read leads, move them through their lifecycle, erase a prospect's personal data."""

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
from shared.leads import erasure, lifecycle, views
from shared.leads import rules as lead_rules
from shared.leads.models import LeadStatus

router = Router()

LeadId = Annotated[str, PathParam(min_length=1, max_length=64)]


class LeadStatusChange(Model):
    """POST/PATCH /admin/leads/{id}/status: a rejection needs a reason the partner will read."""

    model_config = ConfigDict(extra="forbid")

    status: LeadStatus
    reason: str | None = Field(default=None, max_length=lead_rules.MAX_REASON_LENGTH)


@router.get("/admin/leads", responses=returns("shared.leads.responses:LeadPage"))
def list_leads(
    status: Annotated[LeadStatus | None, Query()] = None,
    partner_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    """One page of the program's leads, oldest first, optionally of one status and/or one partner."""
    ctx = get_context()
    items, next_cursor = ctx.leads.list_page(
        ctx.program_id, status=status.value if status else None, partner_id=partner_id, limit=limit, cursor=cursor
    )
    return json_response({"items": dump(items), "next_cursor": next_cursor})


@router.get("/admin/leads/<lead_id>", responses=returns("shared.leads.responses:AdminLead"))
def read_lead(lead_id: LeadId):
    """One lead with every field, and the other partners that submitted it."""
    lead, duplicates = views.admin_lead(get_context(), lead_id)
    competing = [
        {k: v for k, v in dump(d).items() if k in ("partner_id", "outcome", "status_reason", "created_at")}
        for d in duplicates
    ]
    return json_response({**dump(lead), "other_partners": competing})


@router.post("/admin/leads/<lead_id>/status", responses=returns("shared.leads.models:Lead"))
def change_status(lead_id: LeadId, change: Annotated[LeadStatusChange, Body()]):
    """Move a lead through its lifecycle (qualifying it may earn the bounty)."""
    return json_response(dump(lifecycle.change_status(get_context(), lead_id, change.status, change.reason)))


@router.patch("/admin/leads/<lead_id>/status", responses=returns("shared.leads.models:Lead"))
def patch_status(lead_id: LeadId, change: Annotated[LeadStatusChange, Body()]):
    """The same as POST: move a lead through its lifecycle."""
    return json_response(dump(lifecycle.change_status(get_context(), lead_id, change.status, change.reason)))


@router.post("/admin/leads/<lead_id>/erase", responses=returns("shared.leads.models:Lead"))
def erase_lead(lead_id: LeadId):
    """Erase the prospect's personal data from the lead and its duplicate records."""
    return json_response(dump(erasure.erase_lead(get_context(), lead_id)))
