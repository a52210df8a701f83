"""Applications: added with their partner's id, decided once (a conditional write), listed by status."""

from __future__ import annotations

from shared.core import keys
from shared.core.dynamo import ConditionFailed, Table
from shared.core.errors import Conflict
from shared.onboarding.models import Application, ApplicationStatus


class ApplicationRepository:
    """Reads and writes applications."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, application: Application) -> None:
        """Store a new application (one per partner)."""
        self.table.put(application.to_item(), condition="attribute_not_exists(pk)")

    def find(self, partner_id: str) -> Application | None:
        """A partner's application, or None (invited partners have none)."""
        item = self.table.get(keys.partner_application(partner_id), consistent=True)
        return Application.from_item(item) if item else None

    def decide(self, decided: Application) -> None:
        """Store a decision once: only a still-pending application changes; a second decision is a Conflict."""
        try:
            self.table.put(
                decided.to_item(),
                condition="#status = :pending",
                names={"#status": "status"},
                values={":pending": ApplicationStatus.PENDING.value},
            )
        except ConditionFailed as error:
            raise Conflict("this application was already decided", code="application_decided") from error

    def in_status(self, program_id: str, status: ApplicationStatus, limit: int) -> list[Application]:
        """A program's applications in one status, oldest first."""
        items, _ = self.table.query(
            "gsi1pk = :pk",
            {":pk": keys.application_status_partition(program_id, status.value)},
            index=keys.GSI1,
            limit=limit,
        )
        return [Application.from_item(i) for i in items]
