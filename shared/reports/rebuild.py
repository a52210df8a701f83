"""`make rollups-rebuild`: recompute every rollup from the source items and prove the stored ones agree.

Reads the whole table (a Scan: an operator's command, never a request path), sums each item's contribution
with the same function the stream consumer applies, and compares counter by counter. `--write` replaces the
rollups that differ (after a bug fix, or to backfill a table that had items before the stream).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.core import keys
from shared.core.dynamo import Item, Table
from shared.links.click_rules import CLICK_RETENTION_DAYS
from shared.reports.rules import ACTIVITY_PREFIX, ALL_TIME, Deltas, contributions, merge, shift_month
from shared.reports.store import VERSION, RollupStore, rollup_attributes

CLICK_COUNTERS = ("clicks", "unique_visitors")


@dataclass(frozen=True)
class Difference:
    """One counter whose stored value is not what the source items say."""

    scope: tuple[str, str, str]
    counter: str
    stored: int
    rebuilt: int

    def __str__(self) -> str:
        kind, scope_id, month = self.scope
        return f"{kind} {scope_id} {month}: {self.counter} stored {self.stored}, source items say {self.rebuilt}"


class IndexResolver:
    """Links, sales and partners looked up among the scanned items."""

    def __init__(self, items: list[Item]) -> None:
        self.links = {i["code"]: i for i in items if i.get("type") == "referral_link" and "code" in i}
        self.sales = {i["sale_id"]: i for i in items if i.get("type") == "commission_sale"}
        self.partners = {i["partner_id"]: i for i in items if i.get("type") == "partner" and "partner_id" in i}

    def link(self, code: str) -> Mapping[str, Any] | None:
        """The scanned link of a code."""
        return self.links.get(code)

    def sale(self, sale_id: str) -> Mapping[str, Any] | None:
        """The scanned sale of an id."""
        return self.sales.get(sale_id)

    def partner(self, partner_id: str) -> Mapping[str, Any] | None:
        """The scanned partner of an id (its group and group moves)."""
        return self.partners.get(partner_id)


def rebuilt_rollups(items: list[Item]) -> Deltas:
    """The rollups the source items say (every scope, month and counter)."""
    resolver = IndexResolver(items)
    total: Deltas = {}
    for item in items:
        merge(total, contributions(item, resolver))
    return total


def stored_counters(item: Mapping[str, Any]) -> dict[str, int]:
    """The counters of a stored rollup item (its descriptive attributes and keys left out)."""
    skip = {"pk", "sk", "gsi1pk", "gsi1sk", "type", "scope", "scope_id", "month", VERSION}
    return {k: int(v) for k, v in item.items() if k not in skip}


def compare(stored_items: list[Item], rebuilt: Deltas, oldest_kept_month: str) -> list[Difference]:
    """Every counter that differs. Clicks of months whose visitor items TTL has removed (before
    `oldest_kept_month`), and of all time once such months exist, are not comparable and left out."""
    stored = {(i["scope"], i["scope_id"], i["month"]): stored_counters(i) for i in stored_items}
    clicks_expired = any(month < oldest_kept_month for _, _, month in stored if month != ALL_TIME)
    differences = []
    for scope in sorted(set(stored) | set(rebuilt)):
        month = scope[2]
        expired = (month != ALL_TIME and month < oldest_kept_month) or (month == ALL_TIME and clicks_expired)
        have, want = stored.get(scope, {}), rebuilt.get(scope, {})
        for counter in sorted(set(have) | set(want)):
            if expired and (counter in CLICK_COUNTERS or counter.startswith(ACTIVITY_PREFIX)):
                continue
            if have.get(counter, 0) != want.get(counter, 0):
                differences.append(Difference(scope, counter, have.get(counter, 0), want.get(counter, 0)))
    return differences


def rebuild(table: Table, today_month: str, *, write: bool = False, program_id: str = "") -> list[Difference]:
    """Compare the stored rollups with the source items; with `write`, replace the rollups that differ."""
    store = RollupStore(table)
    items = store.scan()
    stored = [i for i in items if i.get("type") == "rollup"]
    rebuilt = rebuilt_rollups(items)
    differences = compare(stored, rebuilt, shift_month(today_month, -(CLICK_RETENTION_DAYS // 31)))
    if write:
        versions = {(i["scope"], i["scope_id"], i["month"]): int(i.get(VERSION, 0)) for i in stored}
        for scope in sorted({d.scope for d in differences}):
            counters = rebuilt.get(scope, {})
            attributes = rollup_attributes(scope, program_id or _program(rebuilt))
            item: dict[str, Any] = {**keys.rollup(*scope), **attributes, **counters}
            if scope in versions:
                item[VERSION] = versions[scope] + 1  # a repaired program month is a change: rankings recompute
            store.replace(item)
    return differences


def _program(rebuilt: Deltas) -> str:
    return next((scope_id for kind, scope_id, _ in rebuilt if kind == "PROGRAM"), "")
