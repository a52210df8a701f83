"""Program content: read it for the portal; publish agreement versions and order resources (the staff console).

Content lives at two scopes: the program's, and a partner group's own (`group_id`). A partner reads its group's
agreement when the group published one, else the program's; and the program's resources followed by its group's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ConfigDict, Field

from shared.content.models import AgreementVersion, ProgramContent, Resource
from shared.content.store import AgreementVersionRepository, ContentRepository, content_changed
from shared.context import AppContext
from shared.core.dynamo import Item
from shared.core.entity import Model
from shared.core.errors import Conflict
from shared.core.keys import Key


class ContentInput(Model):
    """The agreement and resources a program publishes."""

    model_config = ConfigDict(extra="forbid")

    agreement_version: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    agreement_text: str | None = Field(default=None, max_length=100_000)
    resources: list[Resource] = Field(default_factory=list, max_length=100)


def program_content(ctx: AppContext) -> ProgramContent:
    """The program's content (empty until staff publish some)."""
    return scope_content(ctx, None)


def scope_content(ctx: AppContext, group_id: str | None) -> ProgramContent:
    """The content staff wrote for one scope: the program's (None) or a group's own (empty until written)."""
    found = ContentRepository(ctx.table).find(ctx.program_id, group_id)
    return found or ProgramContent(program_id=ctx.program_id, group_id=group_id, updated_at=ctx.clock.now())


def _changed(
    ctx: AppContext, group_id: str | None, expected_version: int | None, **update: object
) -> tuple[ProgramContent | None, ProgramContent]:
    """(the stored content, or None, and its next version with `update`): a Conflict when staff edited from a
    page showing another version than the stored one (`expected_version`)."""
    seen = ContentRepository(ctx.table).find(ctx.program_id, group_id)
    current = seen or ProgramContent(program_id=ctx.program_id, group_id=group_id, updated_at=ctx.clock.now())
    if expected_version is not None and expected_version != current.version:
        raise content_changed()
    updated = current.model_copy(update={**update, "updated_at": ctx.clock.now(), "version": current.version + 1})
    return seen, ProgramContent.model_validate(updated.model_dump())


def partner_content(ctx: AppContext, group_id: str | None) -> ProgramContent:
    """What a partner of this group (None: of no group) reads: the group's agreement when it published one, else
    the program's; the program's resources, then the group's. Not for saving (two items' content in one)."""
    program = program_content(ctx)
    if not group_id:
        return program
    group = ContentRepository(ctx.table).find(ctx.program_id, group_id)
    if group is None:
        return program
    agreement = group if group.agreement_version else program
    return program.model_copy(
        update={
            "group_id": group_id if group.agreement_version else None,
            "agreement_version": agreement.agreement_version,
            "agreement_text": agreement.agreement_text,
            "resources": [*program.resources, *group.resources],
        }
    )


@dataclass(frozen=True)
class AgreementsInForce:
    """The agreement version in force for each scope, read once (for pages that check many partners)."""

    program_version: str | None
    group_versions: dict[str, str]

    def version_for(self, group_id: str | None) -> str | None:
        """The version a partner of this group (None: of no group) is asked to accept."""
        return self.group_versions.get(group_id or "", self.program_version)

    def current(self, group_id: str | None, accepted_version: str | None) -> bool:
        """True when a partner of this group accepted the version in force for it (or there is none)."""
        in_force = self.version_for(group_id)
        return in_force is None or accepted_version == in_force


def agreements_in_force(ctx: AppContext, group_ids: Iterable[str | None] | None = None) -> AgreementsInForce:
    """The program's agreement version and every group's own, in two reads; given `group_ids` (the groups of
    the partners a page shows), only those groups', with the program's, in one BatchGetItem."""
    repo = ContentRepository(ctx.table)
    if group_ids is not None:
        return agreements_of(ctx.table.batch_get(agreement_keys(ctx, group_ids)))
    groups = repo.of_groups(ctx.program_id)
    return AgreementsInForce(
        program_content(ctx).agreement_version,
        {c.group_id: c.agreement_version for c in groups if c.group_id and c.agreement_version},
    )


def agreement_keys(ctx: AppContext, group_ids: Iterable[str | None]) -> list[Key]:
    """The keys of the program's content and these groups' own (for a caller's one BatchGetItem)."""
    return ContentRepository.keys_of(ctx.program_id, {g for g in group_ids if g})


def agreements_of(items: Iterable[Item]) -> AgreementsInForce:
    """The agreements in force from the content items read at `agreement_keys` (other items are ignored)."""
    found = [ProgramContent.from_item(i) for i in items if ContentRepository.is_content(i)]
    program = next((c for c in found if not c.group_id), None)
    return AgreementsInForce(
        program.agreement_version if program else None,
        {c.group_id: c.agreement_version for c in found if c.group_id and c.agreement_version},
    )


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


def publish_agreement(
    ctx: AppContext,
    data: AgreementInput,
    *,
    actor: str | None = None,
    group_id: str | None = None,
    expected_version: int | None = None,
) -> ProgramContent:
    """Publish a new agreement version for the program or one group: kept for good, and in force at once (the
    scope's partners are asked to accept it at their next portal visit; the resources stay as they are), in one
    transaction. A version name used anywhere in the program before, or content changed since it was read, is
    a Conflict."""
    in_force = agreements_in_force(ctx)  # a version in force published before the history was kept counts too
    if data.version in {in_force.program_version, *in_force.group_versions.values()}:
        raise Conflict(f"agreement version {data.version!r} was already published", code="agreement_version_exists")
    seen, updated = _changed(ctx, group_id, expected_version, agreement_version=data.version, agreement_text=data.text)
    version = AgreementVersion(
        program_id=ctx.program_id,
        group_id=group_id,
        version=data.version,
        text=data.text,
        published_at=updated.updated_at,
        published_by=actor,
    )
    AgreementVersionRepository(ctx.table).publish(version, updated, seen)
    return updated


def agreement_history(ctx: AppContext, group_id: str | None = None) -> list[AgreementVersion]:
    """Every agreement version published through the console for the program (or one group), newest first."""
    return [v for v in AgreementVersionRepository(ctx.table).all(ctx.program_id) if v.group_id == group_id]


def save_resources(
    ctx: AppContext, resources: list[Resource], group_id: str | None = None, expected_version: int | None = None
) -> ProgramContent:
    """Replace the program's (or one group's) resources, in the order given, keeping its agreement in force; a
    Conflict when the content changed since it was read (or since the page showing `expected_version`)."""
    seen, updated = _changed(ctx, group_id, expected_version, resources=list(resources))
    ContentRepository(ctx.table).replace(updated, seen)
    return updated
