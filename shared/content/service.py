"""Program content: read it for the portal, replace it (the demo seed now, the staff console later)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.content.models import ProgramContent, Resource
from shared.content.store import ContentRepository
from shared.context import AppContext


class ContentInput(BaseModel):
    """The agreement and resources a program publishes."""

    model_config = ConfigDict(extra="forbid")

    agreement_version: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    agreement_text: str | None = Field(default=None, max_length=100_000)
    resources: list[Resource] = Field(default_factory=list, max_length=100)


def program_content(ctx: AppContext) -> ProgramContent:
    """The program's content (empty until staff publish some)."""
    found = ContentRepository(ctx.table).find(ctx.program_id)
    return found or ProgramContent(program_id=ctx.program_id, updated_at=ctx.clock.now())


def publish(ctx: AppContext, data: ContentInput) -> ProgramContent:
    """Replace the program's agreement and resources."""
    content = ProgramContent(program_id=ctx.program_id, updated_at=ctx.clock.now(), **data.model_dump())
    ContentRepository(ctx.table).save(content)
    return content


def agreement_current(content: ProgramContent, accepted_version: str | None) -> bool:
    """True when the partner accepted the version in force (or the program has no agreement)."""
    return content.agreement_version is None or accepted_version == content.agreement_version
