"""The console's Webhooks page: the endpoints (enable, disable), an endpoint's recent deliveries with their last
answer, and a Replay button on a finished one. Staff only (the console's session check); actions audited."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from shared.audit import service as audit
from shared.console.web import console_page, staff_signed_in
from shared.context import get_context
from shared.core.errors import BadRequest
from shared.web.pages import redirect, web_request
from shared.webhooks import service
from shared.webhooks.models import DeliveryStatus, EndpointStatus, WebhookDelivery

router = Router()
DELIVERIES_PER_PAGE = 50


@router.get("/console/webhooks")
def webhooks_page() -> Response:
    """The endpoints, and the chosen one's deliveries (newest first, optionally of one status)."""
    request = web_request(router)
    ctx = get_context()
    staff = staff_signed_in(request, ctx)
    endpoints = service.endpoints(ctx)
    chosen_id = request.query.get("endpoint") or (endpoints[0].endpoint_id if endpoints else None)
    chosen = next((e for e in endpoints if e.endpoint_id == chosen_id), None)
    status = request.query.get("status") or None
    status = status if status in {s.value for s in DeliveryStatus} else None
    deliveries: list[WebhookDelivery] = []
    next_cursor: str | None = None
    if chosen is not None:
        deliveries, next_cursor = service.deliveries(
            ctx,
            chosen.endpoint_id,
            limit=DELIVERIES_PER_PAGE,
            cursor=request.query.get("cursor") or None,
            status=DeliveryStatus(status) if status else None,
        )
    return console_page(
        request,
        staff,
        "console/webhooks.html",
        "webhooks",
        endpoints=endpoints,
        chosen=chosen,
        deliveries=deliveries,
        status_filter=status,
        statuses=[s.value for s in DeliveryStatus],
        next_cursor=next_cursor,
        notice=request.query.get("done"),
    )


@router.post("/console/webhooks/status")
def change_endpoint_status() -> Response:
    """Enable or disable an endpoint, audited."""
    request = web_request(router)
    ctx = get_context()
    staff = staff_signed_in(request, ctx)
    form = request.require_csrf()
    endpoint_id, wanted = form.get("endpoint_id", ""), form.get("status", "")
    if not endpoint_id or wanted not in {s.value for s in EndpointStatus}:
        raise BadRequest("choose an endpoint and enabled or disabled", code="invalid_choice")
    service.set_status(ctx, endpoint_id, EndpointStatus(wanted))
    audit.record(ctx, staff, f"webhooks.endpoint_{wanted}", detail=endpoint_id)
    return redirect(request, f"/console/webhooks?endpoint={endpoint_id}&done={wanted}")


@router.post("/console/webhooks/replay")
def replay_delivery() -> Response:
    """Send a delivery again now, audited."""
    request = web_request(router)
    ctx = get_context()
    staff = staff_signed_in(request, ctx)
    form = request.require_csrf()
    endpoint_id, delivery_id = form.get("endpoint_id", ""), form.get("delivery_id", "")
    if not endpoint_id or not delivery_id:
        raise BadRequest("choose a delivery to replay", code="invalid_choice")
    service.replay(ctx, endpoint_id, delivery_id)
    audit.record(ctx, staff, "webhooks.delivery_replayed", detail=delivery_id)
    return redirect(request, f"/console/webhooks?endpoint={endpoint_id}&done=replayed")
