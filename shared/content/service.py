"""Program content: read it for the portal; publish agreement versions and order resources (the staff console)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from shared.content.models import AgreementVersion, ProgramContent, Resource
from shared.content.store import AgreementVersionRepository, ContentRepository
from shared.context import AppContext
from shared.core.entity import Model


class ContentInput(Model):
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


class AgreementInput(Model):
    """A new agreement version staff publish: a name never used before and its Markdown text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    text: str = Field(min_length=1, max_length=100_000)


def publish_agreement(ctx: AppContext, data: AgreementInput, *, actor: str | None = None) -> ProgramContent:
    """Publish a new agreement version: kept for good, and in force at once (every partner is asked to accept
    it at its next portal visit; the resources stay as they are)."""
    now = ctx.clock.now()
    AgreementVersionRepository(ctx.table).add(
        AgreementVersion(
            program_id=ctx.program_id, version=data.version, text=data.text, published_at=now, published_by=actor
        )
    )
    current = program_content(ctx)
    updated = current.model_copy(
        update={"agreement_version": data.version, "agreement_text": data.text, "updated_at": now}
    )
    ContentRepository(ctx.table).save(updated)
    return updated


def agreement_history(ctx: AppContext) -> list[AgreementVersion]:
    """Every agreement version published through the console, newest first."""
    return AgreementVersionRepository(ctx.table).all(ctx.program_id)


def save_resources(ctx: AppContext, resources: list[Resource]) -> ProgramContent:
    """Replace the resources (in the order given), keeping the agreement in force."""
    current = program_content(ctx)
    updated = current.model_copy(update={"resources": list(resources), "updated_at": ctx.clock.now()})
    ContentRepository(ctx.table).save(ProgramContent.model_validate(updated.model_dump()))
    return updated
