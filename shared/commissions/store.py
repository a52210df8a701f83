"""The commission ledger and the Stripe state it is reconciled against: attributions, sales, payments,
partner totals, parked sales. Reads return entities; writes are transaction actions the service combines
into one TransactWriteItems, each with its optimistic (version) or uniqueness condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.commissions.models import (
    Commission,
    CommissionStatus,
    CustomerAttribution,
    ParkedSale,
    PaymentRecord,
    ReferralTotals,
    SaleRecord,
)
from shared.commissions.processed_event import ProcessedWebhookEvent
from shared.core import keys
from shared.core.clock import to_iso
from shared.core.dynamo import NOT_EXISTS, ConditionFailed, Table
from shared.core.entity import Entity
from shared.core.errors import Conflict, NotFound

PAYABLE_KEYS = ("gsi2pk", "gsi2sk")


def versioned_put_condition(expected_version: int) -> tuple[str, dict[str, Any] | None]:
    """Condition for replacing an item read at `expected_version` (0: it must not exist yet)."""
    if expected_version == 0:
        return NOT_EXISTS, None
    return "version = :expected", {":expected": expected_version}


def entry_state_update(entry: Commission) -> tuple[str, dict[str, Any]]:
    """UpdateExpression + values that bring a stored entry's mutable fields and payable-index keys in line
    with `entry` (SET gsi2 keys while payable, REMOVE them otherwise): the one place that keeps the index
    consistent with Commission.keys()."""
    entry_keys = entry.keys()
    sets = ["#status = :status", "available_at = :available_at", "updated_at = :updated_at"]
    values: dict[str, Any] = {
        ":status": entry.status.value,
        ":available_at": to_iso(entry.available_at),
        ":updated_at": to_iso(entry.updated_at),
    }
    removes = []
    if entry.note is not None:
        sets.append("note = :note")
        values[":note"] = entry.note
    if "gsi2pk" in entry_keys:
        sets += ["gsi2pk = :gsi2pk", "gsi2sk = :gsi2sk"]
        values.update({":gsi2pk": entry_keys["gsi2pk"], ":gsi2sk": entry_keys["gsi2sk"]})
    else:
        removes = list(PAYABLE_KEYS)
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return expression, values


class CommissionRepository:
    """Ledger entries and the webhook's state items."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ reads
    def find_attribution(self, stripe_customer_id: str) -> CustomerAttribution | None:
        """The partner a Stripe customer is bound to, with the customer's paid history."""
        item = self.table.get(keys.customer_attribution(stripe_customer_id), consistent=True)
        return CustomerAttribution.from_item(item) if item else None

    def find_sale(self, sale_id: str) -> SaleRecord | None:
        """A sale (paid, or only linked to its payment so far)."""
        item = self.table.get(keys.commission_sale(sale_id), consistent=True)
        return SaleRecord.from_item(item) if item else None

    def find_payment(self, payment_id: str) -> PaymentRecord | None:
        """What is known of a payment's refunds and disputes."""
        item = self.table.get(keys.stripe_payment(payment_id), consistent=True)
        return PaymentRecord.from_item(item) if item else None

    def totals(self, partner_id: str) -> ReferralTotals:
        """The partner's referral totals (zero before its first referred sale)."""
        item = self.table.get(keys.partner_referral_totals(partner_id), consistent=True)
        return ReferralTotals.from_item(item) if item else ReferralTotals(partner_id=partner_id)

    def sale_entries(self, partner_id: str, sale_id: str) -> list[Commission]:
        """Every ledger entry of one sale: its commissions and their reversals (one consistent Query)."""
        pk, prefix = keys.sale_commissions_prefix(partner_id, sale_id)
        items = self.table.query_all(
            "pk = :pk AND begins_with(sk, :prefix)", {":pk": pk, ":prefix": prefix}, consistent=True
        )
        return [Commission.from_item(item) for item in items]

    def parked_sales(self, stripe_customer_id: str) -> list[ParkedSale]:
        """Paid invoices waiting for this customer's binding."""
        pk, prefix = keys.parked_sales_prefix(stripe_customer_id)
        items = self.table.query_all(
            "pk = :pk AND begins_with(sk, :prefix)", {":pk": pk, ":prefix": prefix}, consistent=True
        )
        return [ParkedSale.from_item(item) for item in items]

    def get(self, partner_id: str, commission_id: str) -> Commission:
        """One ledger entry, or NotFound."""
        item = self.table.get(keys.commission(partner_id, commission_id), consistent=True)
        if item is None:
            raise NotFound(f"commission {commission_id!r} does not exist", code="commission_not_found")
        return Commission.from_item(item)

    def list_for_partner(
        self, partner_id: str, *, limit: int, start_key: Mapping[str, Any] | None = None
    ) -> tuple[list[Commission], dict[str, Any] | None]:
        """A page of a partner's ledger."""
        pk, prefix = keys.commissions_prefix(partner_id)
        items, last = self.table.query(
            "pk = :pk AND begins_with(sk, :prefix)",
            {":pk": pk, ":prefix": prefix},
            limit=limit,
            start_key=start_key,
        )
        return [Commission.from_item(i) for i in items], last

    def all_for_partner(self, partner_id: str) -> list[Commission]:
        """The partner's whole ledger (balances)."""
        pk, prefix = keys.commissions_prefix(partner_id)
        items = self.table.query_all("pk = :pk AND begins_with(sk, :prefix)", {":pk": pk, ":prefix": prefix})
        return [Commission.from_item(i) for i in items]

    def list_for_program(
        self, program_id: str, *, limit: int, start_key: Mapping[str, Any] | None = None
    ) -> tuple[list[Commission], dict[str, Any] | None]:
        """A page of every commission of the program, oldest first (GSI1)."""
        items, last = self.table.query(
            "gsi1pk = :pk",
            {":pk": keys.commission_program_partition(program_id)},
            index=keys.GSI1,
            limit=limit,
            start_key=start_key,
        )
        return [Commission.from_item(i) for i in items], last

    # ------------------------------------------------------------ transaction actions
    def event_action(self, event: ProcessedWebhookEvent) -> dict[str, Any]:
        """Record an event id as processed; fails if it already was."""
        return self.table.put_action(event.to_item(), condition=NOT_EXISTS)

    def fact_action(self, kind: str, fact_id: str, recorded_at: datetime, event_id: str) -> dict[str, Any]:
        """Record a business fact (e.g. an invoice paid) as counted; fails if it already was."""
        item = {**keys.business_fact(kind, fact_id), "type": "business_fact", "kind": kind, "fact_id": fact_id}
        item.update(recorded_at=to_iso(recorded_at), event_id=event_id)
        return self.table.put_action(item, condition=NOT_EXISTS)

    def versioned_put_action(self, entity: Entity, expected_version: int) -> dict[str, Any]:
        """Replace a versioned item (sale, payment, attribution, totals) read at `expected_version`."""
        condition, values = versioned_put_condition(expected_version)
        return self.table.put_action(entity.to_item(), condition=condition, values=values)

    def new_entry_action(self, entry: Commission) -> dict[str, Any]:
        """Append a ledger entry (ids are derived from the sale, so a replay cannot append it twice)."""
        return self.table.put_action(entry.to_item(), condition=NOT_EXISTS)

    def entry_state_action(self, entry: Commission, expected_status: CommissionStatus) -> dict[str, Any]:
        """Move an unpaid entry to entry.status (hold/release), unless a payout claimed it meanwhile."""
        return self.table.update_action(**_entry_state_request(entry, expected_status))

    def plain_put_action(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """An unconditional put (idempotent markers)."""
        return self.table.put_action(item)

    def transact(self, actions: list[dict[str, Any]]) -> None:
        """All-or-nothing."""
        self.table.transact_write(actions)

    # ------------------------------------------------------------ single writes
    def record_event(self, event: ProcessedWebhookEvent) -> bool:
        """Record an event id on its own; False when it was already recorded."""
        try:
            self.table.put(event.to_item(), condition=NOT_EXISTS)
        except ConditionFailed:
            return False
        return True

    def mark_customer_email(self, program_id: str, email_hash: str, customer_id: str, at: datetime) -> None:
        """Mark an email (hash) as a paying customer's; the first payment's marker stays."""
        item = {
            **keys.customer_email(program_id, email_hash),
            "type": "customer_email",
            "stripe_customer_id": customer_id,
            "created_at": to_iso(at),
        }
        try:
            self.table.put(item, condition=NOT_EXISTS)
        except ConditionFailed:
            return

    def save_entry_state(self, entry: Commission, expected_status: CommissionStatus) -> None:
        """Approve early or void an unpaid entry (admin); Conflict when it changed or was paid meanwhile."""
        try:
            self.table.update(**_entry_state_request(entry, expected_status))
        except ConditionFailed as error:
            raise Conflict(
                f"commission {entry.commission_id!r} changed meanwhile (paid or updated); read it again",
                code="commission_changed",
            ) from error


def _entry_state_request(entry: Commission, expected_status: CommissionStatus) -> dict[str, Any]:
    """The conditional update of an unpaid entry's state, shared by the transactional and the single write:
    it applies only while no payout claimed the entry and its status is still the one read."""
    expression, values = entry_state_update(entry)
    return {
        "key": keys.commission(entry.partner_id, entry.commission_id),
        "update": expression,
        "condition": "attribute_not_exists(payout_id) AND #status = :expected",
        "names": {"#status": "status"},
        "values": {**values, ":expected": expected_status.value},
    }
