"""An application to the program: the applicant's answers, kept next to the partner it created."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.entity import Entity


class ApplicationStatus(StrEnum):
    """Where an application stands in the staff queue."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Application(Entity):
    """What a prospective partner told us at /apply; the partner it created waits in `pending` until staff
    decide. `terms_version` is the agreement version in force when the applicant accepted the terms."""

    entity_type: ClassVar[str] = "partner_application"

    partner_id: str
    program_id: str
    name: str
    email: str
    company: str | None = None
    website: str | None = None
    audience: str | None = None
    promotion: str | None = None
    terms_version: str | None = None
    language: str | None = None
    status: ApplicationStatus = ApplicationStatus.PENDING
    submitted_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = Field(default=None, max_length=1000)

    def keys(self) -> dict[str, str]:
        """In the partner's partition; listed per program and status on GSI1 (the queue reads `pending`)."""
        return {
            **keys.partner_application(self.partner_id),
            **keys.application_status_listing(
                self.program_id, self.status.value, to_iso(self.submitted_at), self.partner_id
            ),
        }
