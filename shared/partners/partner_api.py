"""Partner routes: the partner's own profile. Every partner route reads the partner id from the
authenticated credential (never from the path or body), so no route can reach another partner's data.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from shared.context import get_context
from shared.core.api import dump, json_response
from shared.core.openapi import returns
from shared.partners.partner_auth import current_partner_id

router = Router()


@router.get("/partner/me", responses=returns("shared.partners.models:Partner"))
def read_me():
    ctx = get_context()
    partner = ctx.partners.get(current_partner_id(router))
    return json_response(dump(partner))
