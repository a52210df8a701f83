"""Partner groups: create them, set their default plan, move partners between them (recorded in the audit
trail). The plan a member earns under is chosen in one place, `programs.service.plan_for_partner`."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from shared.context import AppContext
from shared.core.entity import Model
from shared.core.errors import NotFound
from shared.groups.models import PartnerGroup
from shared.groups.store import GroupRepository
from shared.partners import service as partners
from shared.partners.models import Partner


class GroupInput(Model):
    """A group staff create or edit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    group_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1, max_length=100)
    default_plan_id: str | None = None


def _repository(ctx: AppContext) -> GroupRepository:
    return GroupRepository(ctx.table)


def all_groups(ctx: AppContext) -> list[PartnerGroup]:
    """The program's groups."""
    return _repository(ctx).all(ctx.program_id)


def find(ctx: AppContext, group_id: str) -> PartnerGroup | None:
    """A group of the program, or None."""
    return _repository(ctx).find(ctx.program_id, group_id)


def require(ctx: AppContext, group_id: str) -> PartnerGroup:
    """A group of the program, else NotFound."""
    group = find(ctx, group_id)
    if group is None:
        raise NotFound(f"group {group_id!r} does not exist", code="group_not_found")
    return group


def default_plan_id(ctx: AppContext, group_id: str | None) -> str | None:
    """The default plan of a group (None without a group, or when the group has none)."""
    group = find(ctx, group_id) if group_id else None
    return group.default_plan_id if group else None


def save_group(ctx: AppContext, data: GroupInput, *, actor: str) -> PartnerGroup:
    """Create a group, or change an existing one's name and default plan (members without a plan of their own
    earn under the new default from now on; commissions already earned keep theirs)."""
    if data.default_plan_id:
        ctx.programs.get_plan(ctx.program_id, data.default_plan_id)
    now = ctx.clock.now()
    existing = find(ctx, data.group_id)
    group = PartnerGroup(
        program_id=ctx.program_id,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        **data.model_dump(),
    )
    if existing is None:
        _repository(ctx).add(group)
    else:
        _repository(ctx).save(group)
    # The audit trail is imported by the staff changes that record in it: the partner API reads groups (its
    # reports) and does not load it at cold start.
    from shared.audit import service as audit  # noqa: PLC0415

    audit.record(
        ctx, actor, "group.saved", detail=f"{group.group_id} plan={group.default_plan_id or 'program default'}"
    )
    return group


def move_partner(ctx: AppContext, partner_id: str, group_id: str | None, *, actor: str) -> Partner:
    """Move a partner into a group (None: out of any group), recorded with who, when, from and to."""
    if group_id:
        require(ctx, group_id)
    before = ctx.partners.get(partner_id).group_id
    partner = partners.set_group(ctx, partner_id, group_id)
    from shared.audit import service as audit  # noqa: PLC0415 - see save_group

    audit.record(
        ctx, actor, "partner.group_changed", partner_id=partner_id, detail=f"{before or '-'} -> {group_id or '-'}"
    )
    return partner
