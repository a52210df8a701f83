"""Rollup items: applied once per stream record, read by key range or in batches. The only code of this slice
that talks to DynamoDB."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from shared.core import keys
from shared.core.dynamo import (
    MAX_TRANSACTION_ACTIONS,
    ConditionFailed,
    Item,
    Table,
    TransactionCancelled,
    deserialize,
)
from shared.reports.rules import ALL_TIME, PARTNER, PROGRAM, Deltas, Scope

VERSION = "version"
"""A program month rollup's count of the changes applied to it (not a figure: the leaderboard's freshness)."""
APPLIED_MARKER_TTL_SECONDS = 3 * 24 * 3600
"""A stream keeps records 24 hours; a marker outlives every redelivery of its record, then TTL removes it."""


class ApplyOutcome(StrEnum):
    """What applying one stream record's deltas amounted to."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the record was applied before (a retried batch): nothing counted twice
    NOTHING = "nothing"  # the change counts nothing


def rollup_attributes(scope: Scope, program_id: str) -> dict[str, str]:
    """A rollup item's descriptive attributes; a partner's month also carries the leaderboard index keys."""
    kind, scope_id, month = scope
    attributes = {"type": "rollup", "scope": kind, "scope_id": scope_id, "month": month}
    if kind == PARTNER and month != ALL_TIME:
        attributes.update(keys.rollup_partners_of_month(program_id, month, scope_id))
    return attributes


def counter_update(
    scope: Scope, counters: Mapping[str, int], program_id: str
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(UpdateExpression, names, values) that ADD `counters` to a rollup item and SET its attributes."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds, sets = [], []
    for number, (name, amount) in enumerate(sorted(counters.items())):
        names[f"#c{number}"], values[f":c{number}"] = name, amount
        adds.append(f"#c{number} :c{number}")
    for number, (name, value) in enumerate(rollup_attributes(scope, program_id).items()):
        names[f"#a{number}"], values[f":a{number}"] = name, value
        sets.append(f"#a{number} = :a{number}")
    return f"SET {', '.join(sets)} ADD {', '.join(adds)}", names, values


def program_of(deltas: Deltas) -> str:
    """The program the deltas belong to (every change counts in its program's rollups)."""
    return next((scope_id for kind, scope_id, _ in deltas if kind == PROGRAM), "")


class RollupStore:
    """Writes and reads the monthly rollup items."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def apply(self, event_id: str, deltas: Deltas, now_epoch: int) -> ApplyOutcome:
        """ADD one stream record's deltas in one transaction with the record's applied-marker, conditional on
        the marker's absence: a redelivered record changes nothing."""
        if not deltas:
            return ApplyOutcome.NOTHING
        program_id = program_of(deltas)
        marker = {
            **keys.rollup_applied(event_id),
            "type": "rollup_applied",
            keys.TTL_ATTRIBUTE: now_epoch + APPLIED_MARKER_TTL_SECONDS,
        }
        actions = [self.table.put_action(marker, condition="attribute_not_exists(pk)")]
        for scope, counters in sorted(deltas.items()):
            # Every change that counts moves its program month's version: the leaderboard snapshot's freshness.
            moved = {**counters, VERSION: 1} if scope[0] == PROGRAM and scope[2] != ALL_TIME else counters
            update, names, values = counter_update(scope, moved, program_id)
            actions.append(self.table.update_action(keys.rollup(*scope), update, names=names, values=values))
        if len(actions) > MAX_TRANSACTION_ACTIONS:
            raise ValueError("one item change touches at most a handful of rollups")
        try:
            self.table.transact_write(actions)
        except TransactionCancelled as cancelled:
            if 0 in cancelled.failed_conditions:
                return ApplyOutcome.DUPLICATE
            raise
        return ApplyOutcome.APPLIED

    def months(self, scope: str, scope_id: str, first: str, last: str) -> list[Item]:
        """A scope's monthly rollups first..last (months without activity are absent): one Query."""
        pk, low, high = keys.rollup_months_range(scope, scope_id, first, last)
        return list(
            self.table.query_all("pk = :pk AND sk BETWEEN :low AND :high", {":pk": pk, ":low": low, ":high": high})
        )

    def all_time(self, scope: str, scope_id: str) -> Item | None:
        """A scope's all-time rollup."""
        return self.table.get(keys.rollup(scope, scope_id, ALL_TIME))

    def many(self, scope: str, scope_ids: Sequence[str], months: Sequence[str]) -> list[Item]:
        """The rollups of several scopes over several months, in one BatchGetItem per 100 keys."""
        return self.table.batch_get([keys.rollup(scope, s, m) for s in scope_ids for m in months])

    def partners_of_month(self, program_id: str, month: str) -> list[Item]:
        """Every partner rollup of a month (partners with any activity in it), from the leaderboard index."""
        partition = keys.rollup_partners_of_month_partition(program_id, month)
        return list(self.table.query_all("gsi1pk = :pk", {":pk": partition}, index=keys.GSI1))

    def every_rollup(self) -> list[Item]:
        """Every rollup item (the rebuild's comparison): a Scan, never used by a request path."""
        return [i for i in self.scan() if i.get("type") == "rollup"]

    def scan(self) -> list[Item]:
        """Every item of the table (the rebuild's source)."""
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {"TableName": self.table.name, "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            self.table.request_count += 1
            page = self.table.client.scan(**kwargs)
            found += [deserialize(i) for i in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    def replace(self, item: Mapping[str, Any]) -> None:
        """Overwrite one rollup item (the rebuild's repair)."""
        self.table.put(dict(item))

    def get(self, key: Mapping[str, str]) -> Item | None:
        """One item by key."""
        return self.table.get(key)

    def items(self, key_list: Sequence[Mapping[str, str]]) -> list[Item]:
        """The items at these keys that exist (profiles of ranked partners): one BatchGetItem per 100 keys."""
        return self.table.batch_get(key_list)

    def put(self, item: Mapping[str, Any]) -> None:
        """Write one item (settings, partner of the month)."""
        self.table.put(dict(item))

    def put_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Store a leaderboard snapshot unless one computed from a later program version is already there."""
        try:
            self.table.put(
                dict(snapshot),
                condition="attribute_not_exists(pk) OR #version <= :version",
                names={"#version": VERSION},
                values={":version": snapshot[VERSION]},
            )
        except ConditionFailed:
            return
