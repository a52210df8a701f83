"""Partner routes: the partner's own links with the URL to share, and their clicks per day."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.context import get_context
from shared.core.api import dump, json_response
from shared.core.openapi import returns
from shared.links import clicks
from shared.links import service as links
from shared.links.models import LINK_CODE_PATTERN
from shared.partners.partner_auth import current_partner_id

router = Router()


def _base_url() -> str:
    configured = get_context().settings.public_base_url
    # Without PUBLIC_BASE_URL, the API's own domain: the one this request came in on.
    domain = (router.current_event.raw_event.get("requestContext") or {}).get("domainName", "")
    return configured or f"https://{domain}"


@router.get("/partner/links", responses=returns("shared.links.responses:SharedLinkList"))
def list_my_links():
    ctx = get_context()
    base = _base_url()
    items = [
        {**dump(link), "share_url": links.share_url(base, link.code)}
        for link in ctx.links.list_for_partner(current_partner_id(router))
    ]
    return json_response({"items": items})


@router.get("/partner/links/<code>/clicks", responses=returns("shared.links.responses:ClickReportView"))
def my_link_clicks(
    code: Annotated[str, PathParam(pattern=LINK_CODE_PATTERN)],
    first_day: Annotated[str | None, Query(alias="from", pattern=clicks.DAY_PATTERN)] = None,
    last_day: Annotated[str | None, Query(alias="to", pattern=clicks.DAY_PATTERN)] = None,
):
    ctx = get_context()
    links.partner_link(ctx, current_partner_id(router), code)
    return json_response(clicks.link_clicks(ctx, code, first_day, last_day).to_json())
