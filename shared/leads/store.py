"""Leads, their email claims and losing partners' duplicate records.

Every write of a lead is a Put of the whole item conditioned on the `version` it read, so the item's
GSI keys (status, partner) always match its attributes and concurrent writers cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from shared.core import keys
from shared.core.dynamo import NOT_EXISTS, Item, Table, TransactionCancelled
from shared.core.errors import Conflict, NotFound
from shared.core.pagination import query_page, query_partition
from shared.core.retry import pause_before_retry
from shared.events import types as event_types
from shared.events.outbox import event_action
from shared.leads.models import Lead, LeadDuplicate, LeadEmailClaim, LeadStatus

MAX_TRANSACTION_ACTIONS = 100
# Optimistic writes retry this often when a concurrent request moved the lead first.
WRITE_ATTEMPTS = 6
VERSION_MATCHES = "#version = :expected_version"
_VERSION_NAMES = {"#version": "version"}


class LeadEmailTaken(Exception):
    """The program already has a lead for this email; `lead_id` names it (None if the claim vanished)."""

    def __init__(self, lead_id: str | None) -> None:
        super().__init__("lead email already claimed")
        self.lead_id = lead_id


class StaleLead(Exception):
    """The lead changed (or a concurrent transaction touched it) since it was read: read again, retry."""


def write_attempts() -> Iterator[int]:
    """The attempts of a read-modify-write of a lead: retry on StaleLead, pausing (core.retry) before each."""
    for attempt in range(WRITE_ATTEMPTS):
        pause_before_retry(attempt)
        yield attempt


def lead_busy() -> Conflict:
    """The 409 once every attempt lost its race: the client may simply try again."""
    return Conflict("this lead is changing under many requests at once; try again", code="lead_busy")


class LeadRepository:
    """Reads and writes leads; one lead per email per program through a claim put in the same transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ reads
    def get(self, lead_id: str) -> Lead:
        """A lead, or NotFound."""
        lead = self.find(lead_id)
        if lead is None:
            raise NotFound(f"lead {lead_id!r} does not exist", code="lead_not_found")
        return lead

    def get_in_program(self, program_id: str, lead_id: str) -> Lead:
        """A lead of this program, or NotFound (another program's lead is as unknown as a missing one)."""
        lead = self.find(lead_id)
        if lead is None or lead.program_id != program_id:
            raise NotFound(f"lead {lead_id!r} does not exist", code="lead_not_found")
        return lead

    def find(self, lead_id: str, *, consistent: bool = True) -> Lead | None:
        """A lead, or None (consistent by default: lead writes are read-modify-write)."""
        item = self.table.get(keys.lead(lead_id), consistent=consistent)
        return Lead.from_item(item) if item else None

    def find_claim(self, program_id: str, email_hash: str) -> LeadEmailClaim | None:
        """The program's claim on an email hash, or None."""
        item = self.table.get(keys.lead_email_claim(program_id, email_hash), consistent=True)
        return LeadEmailClaim.from_item(item) if item else None

    def find_duplicate(self, lead_id: str, partner_id: str) -> LeadDuplicate | None:
        """A partner's duplicate record of a lead, or None."""
        item = self.table.get(keys.lead_duplicate(lead_id, partner_id), consistent=True)
        return LeadDuplicate.from_item(item) if item else None

    def list_duplicates(self, lead_id: str) -> list[LeadDuplicate]:
        """Every losing partner's record of a lead."""
        items = query_partition(self.table, *keys.lead_duplicates_prefix(lead_id), consistent=True)
        return [LeadDuplicate.from_item(i) for i in items]

    def is_existing_customer(self, program_id: str, email_hash: str) -> bool:
        """True when the Stripe webhook has marked this email as a paying customer of the program."""
        return self.table.get(keys.customer_email(program_id, email_hash)) is not None

    def list_for_partner(
        self, partner_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Lead | LeadDuplicate], str | None]:
        """One page of a partner's own leads and duplicate records, oldest first."""
        items, next_cursor = query_page(
            self.table, keys.lead_partner_partition(partner_id), index=keys.GSI1, limit=limit, cursor=cursor
        )
        return [_lead_or_duplicate(i) for i in items], next_cursor

    def list_page(
        self,
        program_id: str,
        *,
        status: str | None,
        partner_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Lead], str | None]:
        """One page of a program's leads, oldest first, optionally of one status and/or one partner."""
        # A partner's partition also holds its duplicate records: the filter keeps the leads.
        names: dict[str, str] = {"#type": "type"}
        values: dict[str, Any] = {":lead": Lead.entity_type}
        filters = ["#type = :lead"]
        if partner_id:
            index, partition = keys.GSI1, keys.lead_partner_partition(partner_id)
            if status:
                names["#status"] = "status"
                values[":status"] = status
                filters.append("#status = :status")
        elif status:
            index, partition = keys.GSI2, keys.lead_status_partition(program_id, status)
        else:
            index, partition = keys.GSI3, keys.lead_program_partition(program_id)
        items, next_cursor = query_page(
            self.table,
            partition,
            index=index,
            limit=limit,
            cursor=cursor,
            filter_expression=" AND ".join(filters),
            names=names,
            values=values,
        )
        return [Lead.from_item(i) for i in items if i.get("program_id") == program_id], next_cursor

    # ------------------------------------------------------------ writes
    def create(self, lead: Lead, claim: LeadEmailClaim) -> None:
        """Store a new lead with its email claim; raise LeadEmailTaken when the email already has a lead."""
        try:
            self.table.transact_write(
                [
                    self.table.put_action(lead.to_item(), condition=NOT_EXISTS),
                    self.table.put_action(claim.to_item(), condition=NOT_EXISTS),
                    lead_event(self.table.name, event_types.LEAD_CREATED, lead),
                ]
            )
        except TransactionCancelled as error:
            if 1 in error.failed_conditions:
                existing = error.items[1]
                raise LeadEmailTaken(str(existing["lead_id"]) if existing else None) from error
            raise StaleLead() from error

    def save(
        self,
        lead: Lead,
        *,
        expected_version: int,
        ledger_actions: Sequence[dict[str, Any]] = (),
        duplicate: LeadDuplicate | None = None,
        remove_duplicate_of: str | None = None,
        previous_status: LeadStatus | None = None,
    ) -> None:
        """Replace the lead if it is still at `expected_version`, in one transaction with an optional new
        ledger entry's actions (from the ledger's service: the entry is created at most once), a losing partner's
        duplicate record,
        and the removal of the new owner's old duplicate record. Raises StaleLead when anything moved.
        A `previous_status` other than the lead's adds its `lead.status_changed` event to the transaction.
        """
        actions = [self._lead_put(lead, expected_version)]
        actions += ledger_actions
        if duplicate is not None:
            actions.append(self.table.put_action(duplicate.to_item()))
        if remove_duplicate_of is not None:
            actions.append(self.table.delete_action(keys.lead_duplicate(lead.lead_id, remove_duplicate_of)))
        if previous_status is not None and previous_status is not lead.status:
            actions.append(lead_event(self.table.name, event_types.LEAD_STATUS_CHANGED, lead, previous_status))
        try:
            self.table.transact_write(actions)
        except TransactionCancelled as error:
            raise StaleLead() from error

    def put_duplicate(self, duplicate: LeadDuplicate, *, lead_version: int) -> None:
        """Store a losing partner's record once (a concurrent second write keeps the first), in one transaction
        with a check that its lead is still at `lead_version`: an erasure or a takeover in between raises
        StaleLead, so no record is left behind that the erasure did not scrub or the new state contradicts.
        """
        actions = [
            self.table.condition_action(
                keys.lead(duplicate.lead_id),
                VERSION_MATCHES,
                names=_VERSION_NAMES,
                values={":expected_version": lead_version},
            ),
            self.table.put_action(duplicate.to_item(), condition=NOT_EXISTS),
        ]
        try:
            self.table.transact_write(actions)
        except TransactionCancelled as error:
            if error.failed_conditions == [1]:
                return  # this partner's record is already there: the first write stands
            raise StaleLead() from error

    def erase(
        self, lead: Lead, *, expected_version: int, claim: LeadEmailClaim | None, duplicates: list[LeadDuplicate]
    ) -> None:
        """Write the scrubbed lead, delete its email claim and scrub the duplicate records, all at once."""
        actions = [self._lead_put(lead, expected_version)]
        if claim is not None:
            actions.append(
                self.table.delete_action(keys.lead_email_claim(claim.program_id, claim.email_hash)),
            )
        room = MAX_TRANSACTION_ACTIONS - len(actions)
        actions.extend(self.table.put_action(d.to_item()) for d in duplicates[:room])
        try:
            self.table.transact_write(actions)
        except TransactionCancelled as error:
            raise StaleLead() from error
        # Past a transaction's size (a prospect ~100 partners competed for), scrub the rest one by one:
        # the lead itself is already erased, and a retry of the erasure repeats these writes.
        self.replace_duplicates(duplicates[room:])

    def replace_duplicates(self, duplicates: list[LeadDuplicate]) -> None:
        """Overwrite duplicate records (erasure scrubbing them)."""
        for duplicate in duplicates:
            self.table.put(duplicate.to_item())

    def _lead_put(self, lead: Lead, expected_version: int) -> dict[str, Any]:
        return self.table.put_action(
            lead.to_item(),
            condition=VERSION_MATCHES,
            names=_VERSION_NAMES,
            values={":expected_version": expected_version},
        )


def lead_event(
    table_name: str, event_type: str, lead: Lead, previous_status: LeadStatus | None = None
) -> dict[str, Any]:
    """The outbox action of a lead's creation or status change: ids, status and reason, the email masked."""
    from shared.leads.rules import mask_email  # noqa: PLC0415 - rules imports the ledger; only writes need it

    data = {
        "lead_id": lead.lead_id,
        "program_id": lead.program_id,
        "partner_id": lead.partner_id,
        "status": lead.status.value,
        "previous_status": previous_status.value if previous_status is not None else None,
        "reason": lead.status_reason,
        "outcome": lead.outcome.value,
        "email_masked": mask_email(lead.email),
        "company": lead.company,
    }
    return event_action(table_name, type=event_type, partner_id=lead.partner_id, data=data, now=lead.updated_at)


def _lead_or_duplicate(item: Item) -> Lead | LeadDuplicate:
    if item.get("type") == LeadDuplicate.entity_type:
        return LeadDuplicate.from_item(item)
    return Lead.from_item(item)
