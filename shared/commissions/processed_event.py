"""Processed Stripe events: the dedupe record written in the same transaction as the ledger change."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from shared.core import keys
from shared.core.entity import Entity


class ProcessedWebhookEvent(Entity):
    """A Stripe event id seen and applied; expires after Stripe's three-day retry horizon plus margin."""

    entity_type: ClassVar[str] = "processed_webhook_event"

    event_id: str
    event_type: str
    processed_at: datetime
    expires_at: int

    def keys(self) -> dict[str, str]:
        """One item per event id."""
        return keys.webhook_event(self.event_id)
