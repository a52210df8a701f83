"""Partner groups, next to their program."""

from __future__ import annotations

from shared.core import keys
from shared.core.dynamo import ConditionFailed, Table
from shared.core.errors import Conflict
from shared.core.pagination import query_partition
from shared.groups.models import PartnerGroup


class GroupRepository:
    """Reads and writes a program's groups."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, group: PartnerGroup) -> None:
        """Store a new group; an id in use is a Conflict."""
        try:
            self.table.put(group.to_item(), condition="attribute_not_exists(pk)")
        except ConditionFailed as error:
            raise Conflict(f"group {group.group_id!r} exists", code="group_exists") from error

    def save(self, group: PartnerGroup) -> None:
        """Replace a group's settings."""
        self.table.put(group.to_item())

    def find(self, program_id: str, group_id: str) -> PartnerGroup | None:
        """A group, or None."""
        item = self.table.get(keys.partner_group(program_id, group_id))
        return PartnerGroup.from_item(item) if item else None

    def all(self, program_id: str) -> list[PartnerGroup]:
        """Every group of the program, by id."""
        partition, prefix = keys.partner_groups_prefix(program_id)
        return [PartnerGroup.from_item(i) for i in query_partition(self.table, partition, prefix)]
