"""The program's partner-facing content: the current agreement version and the resources, in Markdown."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import ConfigDict, Field

from shared.core import keys
from shared.core.entity import Entity, Model


class ResourceKind(StrEnum):
    """What a resource is for; the portal groups them in this order."""

    VALUE_PROPOSITION = "value_proposition"
    IDEAL_CUSTOMER = "ideal_customer"
    TRAINING = "training"
    FAQ = "faq"
    BRAND = "brand"


class Resource(Model):
    """One resource: a title and a Markdown body (rendered safely: no raw HTML survives)."""

    model_config = ConfigDict(extra="forbid")

    kind: ResourceKind
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(max_length=50_000)


class ProgramContent(Entity):
    """The agreement partners accept and the resources they read: one item for the program and one per partner
    group that has content of its own (`group_id`); staff edit both."""

    entity_type: ClassVar[str] = "program_content"

    program_id: str
    group_id: str | None = None
    agreement_version: str | None = Field(default=None, max_length=40)
    agreement_text: str | None = Field(default=None, max_length=100_000)
    resources: list[Resource] = Field(default_factory=list, max_length=100)
    updated_at: datetime
    version: int = 0  # +1 on every replace, which is conditional on the version read: no edit is lost

    def keys(self) -> dict[str, str]:
        """Next to the program's settings (a group's: next to it, one item per group)."""
        if self.group_id is not None:
            return keys.group_content(self.program_id, self.group_id)
        return keys.program_content(self.program_id)


class AgreementVersion(Entity):
    """A published agreement version, kept for good: which text partners accepted under each version. A version
    name is unique in the program (the program's and every group's), so an accepted name means one text."""

    entity_type: ClassVar[str] = "agreement_version"

    program_id: str
    group_id: str | None = None
    version: str = Field(max_length=40)
    text: str = Field(max_length=100_000)
    published_at: datetime
    published_by: str | None = None

    def keys(self) -> dict[str, str]:
        """Next to the program, one item per version."""
        return keys.agreement_version(self.program_id, self.version)
