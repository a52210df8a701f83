"""A partner group: a name and the default plan of its partners who have no plan of their own."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.core import keys
from shared.core.entity import Entity


class PartnerGroup(Entity):
    """A group of partners; `default_plan_id` applies to members without a plan of their own."""

    entity_type: ClassVar[str] = "partner_group"

    group_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    program_id: str
    name: str = Field(min_length=1, max_length=100)
    default_plan_id: str | None = None
    created_at: datetime
    updated_at: datetime

    def keys(self) -> dict[str, str]:
        """Next to the program, one item per group."""
        return keys.partner_group(self.program_id, self.group_id)
