"""Admin routes: referral links of a partner, their status, and their clicks per day."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam

from shared.context import get_context
from shared.core.api import dump, json_response
from shared.core.openapi import returns
from shared.links import clicks
from shared.links import service as links
from shared.links.models import LINK_CODE_PATTERN

router = Router()


@router.post("/admin/partners/<partner_id>/links", responses=returns("shared.links.models:ReferralLink", 201))
def create_link(partner_id: Annotated[str, PathParam(max_length=64)], link: Annotated[links.LinkInput, Body()]):
    return json_response(dump(links.create_link(get_context(), partner_id, link)), 201)


@router.get("/admin/partners/<partner_id>/links", responses=returns("shared.links.responses:LinkList"))
def list_links(partner_id: Annotated[str, PathParam(max_length=64)]):
    ctx = get_context()
    ctx.partners.get(partner_id)
    return json_response({"items": dump(ctx.links.list_for_partner(partner_id))})


@router.get("/admin/links/<code>", responses=returns("shared.links.models:ReferralLink"))
def read_link(code: Annotated[str, PathParam(pattern=LINK_CODE_PATTERN)]):
    return json_response(dump(get_context().links.get(code)))


@router.patch("/admin/links/<code>", responses=returns("shared.links.models:ReferralLink"))
def update_link_status(
    code: Annotated[str, PathParam(pattern=LINK_CODE_PATTERN)], change: Annotated[links.LinkStatusInput, Body()]
):
    return json_response(dump(links.set_link_status(get_context(), code, change)))


@router.get("/admin/links/<code>/clicks", responses=returns("shared.links.responses:ClickReportView"))
def link_clicks(
    code: Annotated[str, PathParam(pattern=LINK_CODE_PATTERN)],
    first_day: Annotated[str | None, Query(alias="from", pattern=clicks.DAY_PATTERN)] = None,
    last_day: Annotated[str | None, Query(alias="to", pattern=clicks.DAY_PATTERN)] = None,
):
    return json_response(clicks.link_clicks(get_context(), code, first_day, last_day).to_json())
