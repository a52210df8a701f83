"""The sent-markers (one email per event and kind) and the partners' notification settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.dynamo import NOT_EXISTS, ConditionFailed, Table

MARKER_LIFETIME = timedelta(days=35)
"""Longer than EventBridge's 24 hours of retries and a month's summary re-runs."""


class NotificationStore:
    """Reads and writes the notifications' items."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def claim(self, event_id: str, kind: str, partner_id: str, now: datetime) -> bool:
        """Mark an event's email as sent, once: False when a delivery before this one already did."""
        item = {
            **keys.notification_sent(event_id, kind),
            "type": "notification_sent",
            "partner_id": partner_id,
            "sent_at": to_iso(now),
            keys.TTL_ATTRIBUTE: int((now + MARKER_LIFETIME).timestamp()),
        }
        try:
            self.table.put(item, condition=NOT_EXISTS)
        except ConditionFailed:
            return False
        return True

    def release(self, event_id: str, kind: str) -> None:
        """Remove a marker whose email could not be sent, so the event's redelivery sends it."""
        self.table.delete(keys.notification_sent(event_id, kind))

    def unsubscribed(self, partner_id: str) -> frozenset[str]:
        """The kinds a partner turned off (none by default)."""
        item = self.table.get(keys.notification_settings(partner_id))
        return frozenset(item.get("unsubscribed") or ()) if item else frozenset()

    def save_unsubscribed(self, partner_id: str, kinds: frozenset[str], now: datetime) -> None:
        """Replace a partner's turned-off kinds."""
        self.table.put(
            {
                **keys.notification_settings(partner_id),
                "type": "notification_settings",
                "partner_id": partner_id,
                "unsubscribed": sorted(kinds),
                "updated_at": to_iso(now),
            }
        )
