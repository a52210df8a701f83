"""The portal's notification settings page: which kinds of email a partner receives. Every email of a kind
links here (`?unsubscribe=<kind>`) with that kind's box already cleared; saving keeps the choice. Sign-in
emails are not listed: they are always sent."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from shared.context import get_context
from shared.notifications import service
from shared.notifications.rules import KIND_LABELS, SUPPRESSIBLE
from shared.portal.web import portal_page, signed_in
from shared.web.pages import redirect, web_request

router = Router()


@router.get("/portal/notifications")
def notification_settings() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    off = set(service.unsubscribed(ctx, partner.partner_id))
    asked = request.query.get("unsubscribe", "")
    if asked in {k.value for k in SUPPRESSIBLE}:
        off.add(asked)  # the email's link: the box comes cleared, the partner confirms with Save
    return portal_page(
        request,
        partner,
        "notifications/settings.html",
        "notifications",
        kinds=[(k.value, KIND_LABELS[k], k.value not in off) for k in SUPPRESSIBLE],
        asked=asked if asked in {k.value for k in SUPPRESSIBLE} else None,
        saved="saved" in request.query,
    )


@router.post("/portal/notifications")
def save_notification_settings() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    form = request.require_csrf()
    wanted = {k.value for k in SUPPRESSIBLE if form.get(f"kind_{k.value}") == "on"}
    service.save_subscriptions(ctx, partner.partner_id, wanted)
    return redirect(request, "/portal/notifications?saved=1")
