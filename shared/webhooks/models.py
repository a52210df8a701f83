"""Stored items of outgoing webhooks: endpoints and deliveries (each delivery keeps its attempt log)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.entity import Entity, Model

MAX_LOGGED_ATTEMPTS = 40
"""A delivery keeps its last 40 attempts (a full retry round is 13; replays add more)."""
FINISHED_DELIVERY_RETENTION = timedelta(days=30)
"""A finished delivery (succeeded, failed or cancelled) stays listable and replayable this long after its last
change, then DynamoDB's TTL removes it (`expires_at`); a pending one never expires."""


class EndpointStatus(StrEnum):
    """Whether an endpoint receives deliveries."""

    ENABLED = "enabled"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    """Where a delivery stands: waiting for an attempt, answered 2xx, given up after its retries, or cancelled
    because its endpoint was disabled."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class WebhookEndpoint(Entity):
    """A receiver URL, the event types it subscribes to, and its signing secret (sealed: see secrets.py)."""

    entity_type: ClassVar[str] = "webhook_endpoint"

    endpoint_id: str
    program_id: str
    url: str
    events: list[str]
    status: EndpointStatus = EndpointStatus.ENABLED
    description: str | None = None
    secret_sealed: str
    previous_secret_sealed: str | None = None
    previous_secret_until: datetime | None = None
    created_at: datetime
    updated_at: datetime

    def keys(self) -> dict[str, str]:
        """In the program's endpoint partition."""
        return keys.webhook_endpoint(self.program_id, self.endpoint_id)

    def public(self) -> dict[str, object]:
        """What the admin API shows: everything but the secrets."""
        return {
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "events": self.events,
            "status": self.status.value,
            "description": self.description,
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
            "previous_secret_until": to_iso(self.previous_secret_until) if self.previous_secret_until else None,
        }


class Attempt(Model):
    """One POST of a delivery: when, the answer's status (None when there was no answer), how long it took, what
    went wrong, and the first characters of the answer."""

    number: int
    at: datetime
    status_code: int | None = None
    duration_ms: int
    error: str | None = None
    response_excerpt: str | None = None


class WebhookDelivery(Entity):
    """One event to one endpoint: the exact body every attempt sends, its state and its attempts."""

    entity_type: ClassVar[str] = "webhook_delivery"

    delivery_id: str
    endpoint_id: str
    program_id: str
    event_id: str
    event_type: str
    partner_id: str | None = None
    event_created: int
    body: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempt_count: int = 0
    round_start: int = 0
    """attempt_count when the current round of retries began (a replay starts a new round)."""
    replays: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime

    def keys(self) -> dict[str, str]:
        """Its own item, listed under its endpoint (GSI1) and, while unfinished, in its partner's queue (GSI2)."""
        found = {
            **keys.webhook_delivery(self.delivery_id),
            **keys.webhook_delivery_listing(self.endpoint_id, to_iso(self.created_at), self.delivery_id),
        }
        if self.status is DeliveryStatus.PENDING:
            found |= keys.webhook_pending_listing(self.endpoint_id, self.partner_id, self.event_created, self.event_id)
        return found

    def to_item(self) -> dict[str, Any]:
        """The item; a finished delivery also carries its TTL (`FINISHED_DELIVERY_RETENTION` after its last
        change). A replay writes it pending again, without one."""
        item = super().to_item()
        if self.status is not DeliveryStatus.PENDING:
            item["expires_at"] = int((self.updated_at + FINISHED_DELIVERY_RETENTION).timestamp())
        return item

    def public(self, *, with_attempts: bool) -> dict[str, object]:
        """What the admin API shows (the body only with the attempts: it can be large)."""
        last = self.attempts[-1] if self.attempts else None
        shown: dict[str, object] = {
            "delivery_id": self.delivery_id,
            "endpoint_id": self.endpoint_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "partner_id": self.partner_id,
            "status": self.status.value,
            "attempt_count": self.attempt_count,
            "next_attempt_at": to_iso(self.next_attempt_at) if self.next_attempt_at else None,
            "last_status_code": last.status_code if last else None,
            "last_error": last.error if last else None,
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
        }
        if with_attempts:
            shown["attempts"] = [a.model_dump(mode="json") | {"at": to_iso(a.at)} for a in self.attempts]
            shown["body"] = self.body
        return shown
