"""Admin routes: referral links of a partner."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam

from shared.api.deps import dump, get_context, json_response
from shared.services import links

router = Router()


@router.post("/admin/partners/<partner_id>/links")
def create_link(partner_id: Annotated[str, PathParam(max_length=64)], link: Annotated[links.LinkInput, Body()]):
    return json_response(dump(links.create_link(get_context(), partner_id, link)), 201)


@router.get("/admin/partners/<partner_id>/links")
def list_links(partner_id: Annotated[str, PathParam(max_length=64)]):
    ctx = get_context()
    ctx.partners.get(partner_id)
    return json_response({"items": dump(ctx.links.list_for_partner(partner_id))})
