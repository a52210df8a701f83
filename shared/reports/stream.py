"""The rollup consumer: one DynamoDB Stream record in, its item's change counted once in the rollups.

Idempotent under redelivery: each record's counter ADDs share one transaction with a conditional marker of
the record's `eventID`, so a retried batch (or a crash between two records) never counts a change twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.core import keys
from shared.core.dynamo import Item, Table, deserialize
from shared.reports.rules import change_deltas
from shared.reports.store import ApplyOutcome, RollupStore


class TableResolver:
    """Looks up the items a change's contribution needs: a link's partner (kept per container: a link never
    changes partner), a payment's sale, and a partner's group history (kept for one batch)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._links: dict[str, Item | None] = {}
        self._partners: dict[str, Item | None] = {}

    def new_batch(self) -> None:
        """Forget the partners read for the previous batch (a partner read once per batch at most)."""
        self._partners.clear()

    def partner(self, partner_id: str) -> Mapping[str, Any] | None:
        """The partner's profile item (its `group_id` and `group_moves`), read once per batch."""
        if partner_id not in self._partners:
            self._partners[partner_id] = self.table.get(keys.partner(partner_id), consistent=True)
        return self._partners[partner_id]

    def link(self, code: str) -> Mapping[str, Any] | None:
        """The referral link of a code (cached)."""
        if code not in self._links:
            self._links[code] = self.table.get(keys.referral_link(code))
        return self._links[code]

    def sale(self, sale_id: str) -> Mapping[str, Any] | None:
        """The referred sale of an id."""
        return self.table.get(keys.commission_sale(sale_id), consistent=True)


def record_images(record: Mapping[str, Any]) -> tuple[Item | None, Item | None]:
    """(old image, new image) of a stream record, as plain Python values."""
    change = record.get("dynamodb") or {}
    old, new = change.get("OldImage"), change.get("NewImage")
    return (deserialize(old) if old else None), (deserialize(new) if new else None)


def apply_record(record: Mapping[str, Any], table: Table, resolver: TableResolver, now_epoch: int) -> ApplyOutcome:
    """Count one stream record's item change in the rollups, once.

    A REMOVE counts nothing: items that count are never deleted by the app, and a click visitor item that TTL
    removes after its retention stays counted in its month."""
    if record.get("eventName") == "REMOVE":
        return ApplyOutcome.NOTHING
    old, new = record_images(record)
    deltas = change_deltas(old, new, resolver)
    return RollupStore(table).apply(str(record["eventID"]), deltas, now_epoch)
