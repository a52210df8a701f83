"""Partner routes: submit a prospect, list and read the partner's own leads with status and reason.

The partner id comes from the credential; another partner's lead answers 404, as an unknown one does.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam

from shared.context import get_context
from shared.core.api import json_response
from shared.core.openapi import returns
from shared.leads import intake, views
from shared.leads.forms import PartnerLeadInput
from shared.partners.partner_auth import current_partner_id

router = Router()


@router.post("/partner/leads", responses=returns("shared.leads.responses:PartnerLeadView", 201, 200))
def submit_lead(lead: Annotated[PartnerLeadInput, Body()]):
    """Submit a prospect: 201 for a new lead, 200 for a repeat, with what came of it."""
    ctx = get_context()
    partner_id = current_partner_id(router)
    program = ctx.programs.get(ctx.program_id)
    intake.enforce_partner_rate_limit(ctx, program, partner_id)  # 429 with Retry-After (shared.http)
    submission = intake.submit_partner_lead(ctx, program, partner_id, lead)
    return json_response(views.partner_lead(ctx, partner_id, submission.lead_id), 201 if submission.created else 200)


@router.get("/partner/leads", responses=returns("shared.leads.responses:PartnerLeadPage"))
def list_leads(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    """One page of the partner's own leads and duplicate records, oldest first."""
    ctx = get_context()
    partner_id = current_partner_id(router)
    records, next_cursor = ctx.leads.list_for_partner(partner_id, limit=limit, cursor=cursor)
    items = [views.partner_view(r, partner_id, ctx.clock.now()) for r in records]
    return json_response({"items": items, "next_cursor": next_cursor})


@router.get("/partner/leads/<lead_id>", responses=returns("shared.leads.responses:PartnerLeadView"))
def read_lead(lead_id: Annotated[str, PathParam(min_length=1, max_length=64)]):
    """One of the partner's own leads or duplicate records; anyone else's is 404."""
    return json_response(views.partner_lead(get_context(), current_partner_id(router), lead_id))
