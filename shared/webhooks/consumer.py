"""The bus consumer: an event from the stack's EventBridge bus (one rule for every event type) becomes one
delivery per subscribed endpoint, and a wake-up of the delivery worker for each."""

from __future__ import annotations

from typing import Any

from shared.context import get_context
from shared.core.observability import logger
from shared.core.settings import PROGRAM_ID, TABLE_NAME, WEBHOOK_KMS_KEY_ID, WEBHOOK_QUEUE_URL, Settings
from shared.events.types import ALL
from shared.webhooks import service


class WebhookSettings(Settings):
    """The webhook functions: the table, the deliveries queue and (the worker) the key that seals the secrets."""

    variables = (TABLE_NAME, PROGRAM_ID, WEBHOOK_QUEUE_URL, WEBHOOK_KMS_KEY_ID)
    secrets = ()


def event_body(bus_event: dict[str, Any]) -> dict[str, Any] | None:
    """The event body (`id`, `type`, `created`, `partner_id`, `data`) of an EventBridge event, or None when it is
    not one of ours (logged and dropped: retrying could not make it one)."""
    detail = bus_event.get("detail")
    if not isinstance(detail, dict):
        return None
    if not isinstance(detail.get("id"), str) or detail.get("type") not in ALL:
        return None
    if not isinstance(detail.get("created"), int) or isinstance(detail.get("created"), bool):
        return None
    if detail.get("partner_id") is not None and not isinstance(detail.get("partner_id"), str):
        return None
    return detail


def handle(bus_event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Fan one bus event out; an infrastructure error raises so EventBridge/Lambda retry the whole event (the
    deliveries already made are found again, not doubled)."""
    body = event_body(bus_event)
    if body is None:
        logger.warning("not a domain event; dropped", extra={"detail_type": bus_event.get("detail-type")})
        return {"deliveries": 0}
    made = service.fan_out(get_context(), body)
    return {"deliveries": len(made)}
