"""Leads: a referred prospect from the visitor's form or submitted by a partner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from shared import keys
from shared.clock import to_iso
from shared.models.base import Entity


class LeadStatus(StrEnum):
    """new -> qualified -> converted, or rejected with a reason the partner can read."""

    NEW = "new"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    REJECTED = "rejected"


class LeadSource(StrEnum):
    """Where the lead came from."""

    VISITOR_FORM = "visitor_form"
    PARTNER_SUBMITTED = "partner_submitted"


class Lead(Entity):
    """A lead, unique per program by normalised email (the dedupe claim keys on the email's hash)."""

    entity_type: ClassVar[str] = "lead"

    lead_id: str
    program_id: str
    partner_id: str | None = None
    email_hash: str
    email: str | None = None
    name: str | None = None
    company: str | None = None
    status: LeadStatus = LeadStatus.NEW
    status_reason: str | None = None
    source: LeadSource = LeadSource.VISITOR_FORM
    created_at: datetime
    updated_at: datetime

    def keys(self) -> dict[str, str]:
        """Lead item; GSI1 lists a partner's leads, GSI2 a program's leads by status."""
        created = to_iso(self.created_at)
        result = {
            **keys.lead(self.lead_id),
            **keys.lead_status_listing(self.program_id, self.status.value, created, self.lead_id),
        }
        if self.partner_id:
            result.update(keys.lead_partner_listing(self.partner_id, created, self.lead_id))
        return result
