"""Click counters and the raw reads of the redirect. No pydantic here: the redirect imports this on its hot path.

One item per (link, UTC day, visitor), in the counter shard the visitor hash picks (see `keys.link_click`):
a click is one UpdateItem that both counts and dedupes, and one Query per shard reads any range of days.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from shared.core import keys
from shared.core.dynamo import Table
from shared.links.click_rules import CLICK_SHARDS, retention_expiry

# ADD is atomic on the server, so concurrent clicks never lose an increment, and it creates the item on the
# visitor's first click (a new unique visitor). The TTL depends only on the day, so rewriting it is idempotent
# and cheaper than if_not_exists. ReturnValues NONE: the redirect does not wait for the item to come back.
RECORD_CLICK_UPDATE = "ADD clicks :one SET #ttl = :ttl"


@dataclass(frozen=True)
class DayCount:
    """Clicks and unique visitors of one link on one UTC day."""

    day: str
    clicks: int
    unique_visitors: int


def record_click_request(
    table_name: str, *, code: str, shard: int, day: str, visitor: str, clicked_at: int
) -> dict[str, Any]:
    """The UpdateItem request of one counted click (built apart so a test can read it)."""
    return {
        "TableName": table_name,
        "Key": {name: {"S": value} for name, value in keys.link_click(code, shard, day, visitor).items()},
        "UpdateExpression": RECORD_CLICK_UPDATE,
        "ExpressionAttributeNames": {"#ttl": keys.TTL_ATTRIBUTE},
        "ExpressionAttributeValues": {
            ":one": {"N": "1"},
            ":ttl": {"N": str(retention_expiry(clicked_at))},
        },
        "ReturnValues": "NONE",
    }


class ClickRepository:
    """Counts clicks (one UpdateItem each), reads them back per day, and reads the items the redirect needs."""

    def __init__(self, table: Table, shards: int = CLICK_SHARDS) -> None:
        self.table = table
        self.shards = shards

    def link_item(self, code: str) -> dict[str, Any] | None:
        """The raw referral link item (plain Python values), or None."""
        return self.table.get(keys.referral_link(code))

    def program_item(self, program_id: str) -> dict[str, Any] | None:
        """The raw program item (plain Python values), or None."""
        return self.table.get(keys.program(program_id))

    def record_click(self, code: str, shard: int, day: str, visitor: str, clicked_at: int) -> None:
        """Count one click of `visitor` on link `code`: +1 click, and a new unique visitor if it is the first."""
        self.table.request_count += 1
        request = record_click_request(
            self.table.name, code=code, shard=shard, day=day, visitor=visitor, clicked_at=clicked_at
        )
        self.table.client.update_item(**request)

    def daily_counts(self, code: str, first_day: str, last_day: str) -> dict[str, DayCount]:
        """Clicks and unique visitors per day (days without clicks are absent), summed over every shard."""
        low, high = keys.link_clicks_day_range(first_day, last_day)
        with ThreadPoolExecutor(max_workers=min(self.shards, 8)) as pool:
            per_shard = list(pool.map(lambda shard: self._shard_items(code, shard, low, high), range(self.shards)))
        clicks: dict[str, int] = {}
        visitors: dict[str, int] = {}
        for items in per_shard:
            for item in items:
                day = str(item["sk"]).split("#", 1)[0]
                clicks[day] = clicks.get(day, 0) + int(item.get("clicks", 0))
                visitors[day] = visitors.get(day, 0) + 1
        return {day: DayCount(day, clicks[day], visitors[day]) for day in sorted(clicks)}

    def _shard_items(self, code: str, shard: int, low: str, high: str) -> list[Mapping[str, Any]]:
        return list(
            self.table.query_all(
                "pk = :pk AND sk BETWEEN :low AND :high",
                {":pk": keys.link_clicks_shard_partition(code, shard), ":low": low, ":high": high},
            )
        )
