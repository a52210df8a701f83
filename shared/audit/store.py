"""Audit entries: appended once, read newest first."""

from __future__ import annotations

from shared.audit.models import AuditEntry
from shared.core import keys
from shared.core.dynamo import Table


class AuditRepository:
    """Appends and lists audit entries."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, entry: AuditEntry) -> None:
        """Append an entry (its id is new: never overwrites one)."""
        self.table.put(entry.to_item(), condition="attribute_not_exists(pk)")

    def newest_of_program(self, program_id: str, limit: int) -> list[AuditEntry]:
        """The program's newest entries, newest first."""
        items, _ = self.table.query(
            "pk = :pk", {":pk": keys.audit_program_partition(program_id)}, forward=False, limit=limit
        )
        return [AuditEntry.from_item(i) for i in items]

    def newest_of_partner(self, partner_id: str, limit: int) -> list[AuditEntry]:
        """The newest entries about one partner, newest first."""
        items, _ = self.table.query(
            "gsi1pk = :pk",
            {":pk": keys.audit_partner_partition(partner_id)},
            index=keys.GSI1,
            forward=False,
            limit=limit,
        )
        return [AuditEntry.from_item(i) for i in items]
