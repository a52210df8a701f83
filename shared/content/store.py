"""The content items (the program's and each group's) and the published agreement versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.content.models import AgreementVersion, ProgramContent
from shared.core import keys
from shared.core.dynamo import ConditionFailed, Table, TransactionCancelled
from shared.core.errors import Conflict
from shared.core.keys import Key
from shared.core.pagination import query_partition


def _unchanged_since(seen: ProgramContent | None) -> dict[str, Any]:
    """The condition of replacing a content item read as `seen` (None: there was none): still that version."""
    if seen is None:
        return {"condition": "attribute_not_exists(pk)"}
    if seen.version == 0:  # written before content items carried a version
        return {
            "condition": "attribute_not_exists(#version) OR #version = :seen",
            "names": {"#version": "version"},
            "values": {":seen": 0},
        }
    return {"condition": "#version = :seen", "names": {"#version": "version"}, "values": {":seen": seen.version}}


def content_changed() -> Conflict:
    """Someone else changed this content since it was read."""
    return Conflict(
        "the agreement or the resources changed meanwhile; reload the page and try again", code="content_changed"
    )


class ContentRepository:
    """Reads and replaces a program's content."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def find(self, program_id: str, group_id: str | None = None) -> ProgramContent | None:
        """The program's content (a group's, given its id), or None before staff wrote any."""
        key = keys.group_content(program_id, group_id) if group_id else keys.program_content(program_id)
        item = self.table.get(key)
        return ProgramContent.from_item(item) if item else None

    @staticmethod
    def keys_of(program_id: str, group_ids: Iterable[str]) -> list[Key]:
        """The keys of the program's content and these groups' own."""
        return [keys.program_content(program_id), *(keys.group_content(program_id, g) for g in group_ids)]

    @staticmethod
    def is_content(item: Mapping[str, Any]) -> bool:
        """True for a program's or a group's content item."""
        sort_key = str(item.get("sk", ""))
        return sort_key == keys.program_content("")["sk"] or sort_key.startswith(keys.group_contents_prefix("")[1])

    def of_groups(self, program_id: str) -> list[ProgramContent]:
        """Every group's content item of the program (one Query)."""
        partition, prefix = keys.group_contents_prefix(program_id)
        return [ProgramContent.from_item(i) for i in query_partition(self.table, partition, prefix)]

    def save(self, content: ProgramContent) -> None:
        """Replace the program's content."""
        self.table.put(content.to_item())

    def replace(self, content: ProgramContent, seen: ProgramContent | None) -> None:
        """Replace a scope's content only while it is still the version read (`seen`; None: none existed), so
        two staff members editing at once never lose an edit: the second gets a Conflict."""
        try:
            self.table.put(content.to_item(), **_unchanged_since(seen))
        except ConditionFailed as error:
            raise content_changed() from error


def _version_exists(version: AgreementVersion) -> Conflict:
    return Conflict(f"agreement version {version.version!r} was already published", code="agreement_version_exists")


class AgreementVersionRepository:
    """Published agreement versions: each version is written once."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def publish(self, version: AgreementVersion, content: ProgramContent, seen: ProgramContent | None) -> None:
        """Keep a new version and put it in force in its scope's content, in one transaction: a name already
        published, or content changed since it was read (`seen`), is a Conflict and writes nothing."""
        try:
            self.table.transact_write(
                [
                    self.table.put_action(version.to_item(), condition="attribute_not_exists(pk)"),
                    self.table.put_action(content.to_item(), **_unchanged_since(seen)),
                ]
            )
        except TransactionCancelled as error:
            if 0 in error.failed_conditions:
                raise _version_exists(version) from error
            raise content_changed() from error

    def all(self, program_id: str) -> list[AgreementVersion]:
        """Every published version, newest first."""
        partition, prefix = keys.agreement_versions_prefix(program_id)
        found = [AgreementVersion.from_item(i) for i in query_partition(self.table, partition, prefix)]
        return sorted(found, key=lambda v: v.published_at, reverse=True)
