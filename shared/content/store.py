"""The program content item."""

from __future__ import annotations

from shared.content.models import ProgramContent
from shared.core import keys
from shared.core.dynamo import Table


class ContentRepository:
    """Reads and replaces a program's content."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def find(self, program_id: str) -> ProgramContent | None:
        """The program's content, or None before staff wrote any."""
        item = self.table.get(keys.program_content(program_id))
        return ProgramContent.from_item(item) if item else None

    def save(self, content: ProgramContent) -> None:
        """Replace the program's content."""
        self.table.put(content.to_item())
