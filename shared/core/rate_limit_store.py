"""Fixed-window rate-limit counters: one item per (scope, subject, window), removed by TTL."""

from __future__ import annotations

from shared.core import keys
from shared.core.dynamo import ConditionFailed, Table


class RateLimitRepository:
    """Counts hits in a window with one conditional UpdateItem (no read, no race)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def hit(self, scope: str, subject: str, window: str, *, limit: int, expires_at: int) -> bool:
        """Count one hit; False (and nothing counted) once the window already holds `limit` hits."""
        try:
            self.table.update(
                keys.rate_limit(scope, subject, window),
                "ADD #hits :one SET #expires = if_not_exists(#expires, :expires)",
                condition="attribute_not_exists(#hits) OR #hits < :limit",
                names={"#hits": "hits", "#expires": keys.TTL_ATTRIBUTE},
                values={":one": 1, ":limit": limit, ":expires": expires_at},
                return_values="NONE",
            )
        except ConditionFailed:
            return False
        return True
