"""An audit entry: one write made by a person (a staff email) or by an applicant, kept for good."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.entity import Entity


class AuditEntry(Entity):
    """Who (`actor`: a staff email, or `applicant`) did what (`action`, e.g. `partner.status_changed`) to which
    partner (when it is about one), when, with a short human detail (a reason, the new value)."""

    entity_type: ClassVar[str] = "audit_entry"

    entry_id: str
    program_id: str
    actor: str = Field(max_length=320)
    action: str = Field(max_length=80)
    partner_id: str | None = None
    detail: str | None = Field(default=None, max_length=1000)
    at: datetime

    def keys(self) -> dict[str, str]:
        """Listed per program (table) and, when about a partner, per partner (GSI1)."""
        program_keys = keys.audit_entry(self.program_id, to_iso(self.at), self.entry_id)
        if self.partner_id is None:
            return program_keys
        return {**program_keys, **keys.audit_partner_listing(self.partner_id, to_iso(self.at), self.entry_id)}
