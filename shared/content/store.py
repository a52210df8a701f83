"""The content items (the program's and each group's) and the published agreement versions."""

from __future__ import annotations

from shared.content.models import AgreementVersion, ProgramContent
from shared.core import keys
from shared.core.dynamo import ConditionFailed, Table
from shared.core.errors import Conflict
from shared.core.pagination import query_partition


class ContentRepository:
    """Reads and replaces a program's content."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def find(self, program_id: str, group_id: str | None = None) -> ProgramContent | None:
        """The program's content (a group's, given its id), or None before staff wrote any."""
        key = keys.group_content(program_id, group_id) if group_id else keys.program_content(program_id)
        item = self.table.get(key)
        return ProgramContent.from_item(item) if item else None

    def of_groups(self, program_id: str) -> list[ProgramContent]:
        """Every group's content item of the program (one Query)."""
        partition, prefix = keys.group_contents_prefix(program_id)
        return [ProgramContent.from_item(i) for i in query_partition(self.table, partition, prefix)]

    def save(self, content: ProgramContent) -> None:
        """Replace the program's content."""
        self.table.put(content.to_item())


class AgreementVersionRepository:
    """Published agreement versions: each version is written once."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, version: AgreementVersion) -> None:
        """Keep a new version; a version name already published is a Conflict (versions never change)."""
        try:
            self.table.put(version.to_item(), condition="attribute_not_exists(pk)")
        except ConditionFailed as error:
            raise Conflict(
                f"agreement version {version.version!r} was already published", code="agreement_version_exists"
            ) from error

    def all(self, program_id: str) -> list[AgreementVersion]:
        """Every published version, newest first."""
        partition, prefix = keys.agreement_versions_prefix(program_id)
        found = [AgreementVersion.from_item(i) for i in query_partition(self.table, partition, prefix)]
        return sorted(found, key=lambda v: v.published_at, reverse=True)
