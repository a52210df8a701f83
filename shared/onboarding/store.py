"""Applications: added with their partner's id, decided once (a conditional write), listed by status."""

from __future__ import annotations

from typing import Any

from shared.core import keys
from shared.core.dynamo import ConditionFailed, Table, TransactionCancelled
from shared.core.errors import Conflict
from shared.events import types as event_types
from shared.events.outbox import event_action
from shared.onboarding.models import Application, ApplicationStatus


class ApplicationRepository:
    """Reads and writes applications."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, application: Application) -> None:
        """Store a new application (one per partner), with its `partner.applied` event in the same transaction."""
        try:
            self.table.transact_write(
                [
                    self.table.put_action(application.to_item(), condition="attribute_not_exists(pk)"),
                    _decision_event(self.table.name, application, event_types.PARTNER_APPLIED),
                ]
            )
        except TransactionCancelled as error:
            raise ConditionFailed(error.items[0]) from error

    def find(self, partner_id: str) -> Application | None:
        """A partner's application, or None (invited partners have none)."""
        item = self.table.get(keys.partner_application(partner_id), consistent=True)
        return Application.from_item(item) if item else None

    def decide(self, decided: Application) -> None:
        """Store a decision once: only a still-pending application changes; a second decision is a Conflict."""
        approved = decided.status is ApplicationStatus.APPROVED
        event = event_types.PARTNER_APPROVED if approved else event_types.PARTNER_REJECTED
        try:
            self.table.transact_write(
                [
                    self.table.put_action(
                        decided.to_item(),
                        condition="#status = :pending",
                        names={"#status": "status"},
                        values={":pending": ApplicationStatus.PENDING.value},
                    ),
                    _decision_event(self.table.name, decided, event),
                ]
            )
        except TransactionCancelled as error:
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


def _decision_event(table_name: str, application: Application, event_type: str) -> dict[str, Any]:
    """The outbox action of an application's submission or decision (docs/events.md)."""
    data = {
        "partner_id": application.partner_id,
        "program_id": application.program_id,
        "status": application.status.value,
        "reason": application.decision_reason,
    }
    now = application.decided_at or application.submitted_at
    return event_action(table_name, type=event_type, partner_id=application.partner_id, data=data, now=now)
