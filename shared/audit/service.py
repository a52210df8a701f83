"""Record a write and read the trail. The console calls `record` after every write it makes."""

from __future__ import annotations

from shared.audit.models import AuditEntry
from shared.audit.store import AuditRepository
from shared.context import AppContext
from shared.core.ids import new_id

APPLICANT = "applicant"
"""The actor of a public application (nobody is signed in at /apply)."""


def record(
    ctx: AppContext, actor: str, action: str, *, partner_id: str | None = None, detail: str | None = None
) -> AuditEntry:
    """Keep who did what, to which partner, when (the context's clock) and why."""
    entry = AuditEntry(
        entry_id=new_id("aud"),
        program_id=ctx.program_id,
        actor=actor,
        action=action,
        partner_id=partner_id,
        detail=(detail or None) and detail[:1000],
        at=ctx.clock.now(),
    )
    AuditRepository(ctx.table).add(entry)
    return entry


def program_trail(ctx: AppContext, limit: int = 100) -> list[AuditEntry]:
    """The program's newest audit entries (every write), newest first."""
    return AuditRepository(ctx.table).newest_of_program(ctx.program_id, limit)


def partner_trail(ctx: AppContext, partner_id: str, limit: int = 100) -> list[AuditEntry]:
    """The newest audit entries about one partner, newest first."""
    return AuditRepository(ctx.table).newest_of_partner(partner_id, limit)
