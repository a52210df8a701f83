"""The bodies the outgoing-webhook admin routes answer, for the published OpenAPI document only
(shared.core.openapi: imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from datetime import datetime

from shared.core.entity import Model
from shared.webhooks.models import Attempt, DeliveryStatus, EndpointStatus


class EndpointView(Model):
    """An endpoint as staff see it: everything but its secrets."""

    endpoint_id: str
    url: str
    events: list[str]
    status: EndpointStatus
    description: str | None
    created_at: datetime
    updated_at: datetime
    previous_secret_until: datetime | None


class EndpointWithSecret(EndpointView):
    """An endpoint with its signing secret, shown only when made or rotated."""

    secret: str


class EndpointList(Model):
    """GET /admin/webhook-endpoints."""

    items: list[EndpointView]


class DeliveryView(Model):
    """A delivery of one event to one endpoint, with its last answer."""

    delivery_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    partner_id: str | None
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class DeliveryWithAttempts(DeliveryView):
    """GET .../deliveries/{id}: the delivery with every attempt and the body sent."""

    attempts: list[Attempt]
    body: str


class DeliveryPage(Model):
    """GET .../deliveries: one page of an endpoint's deliveries and the cursor of the next one."""

    items: list[DeliveryView]
    next_cursor: str | None
