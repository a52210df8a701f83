"""Payouts and the payout run's reads and claims on the ledger.

Every write here is conditional: a payout is created with attribute_not_exists, moved forward with a
condition on the state it was read in, and ledger entries are claimed with
`attribute_not_exists(payout_id) AND status IN (pending, approved)` (the ledger contract), by the ledger's own
entry-update builder (shared.commissions.store.entry_update) together with the balance aggregates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.commissions.models import Commission
from shared.core import keys
from shared.core.dynamo import MAX_TRANSACTION_ACTIONS, NOT_EXISTS, ConditionFailed, Table, TransactionCancelled
from shared.core.errors import Conflict, NotFound
from shared.core.pagination import decode_cursor, encode_cursor
from shared.events import types as event_types
from shared.events.outbox import event_action
from shared.payouts.models import Payout, PayoutStatus


class ClaimStatus(StrEnum):
    """How a claim transaction went."""

    CLAIMED = "claimed"  # every entry of the chunk, and the payout's cursor moved
    PAYOUT_MOVED = "payout_moved"  # the payout exists already, or another run moved it: continue from it
    ENTRIES_CHANGED = "entries_changed"  # some entries were held, voided or claimed meanwhile: `lost`
    CONTENDED = "contended"  # another transaction was in the way: back off and try again


@dataclass(frozen=True)
class ClaimOutcome:
    """The outcome of one claim transaction; `lost` names the entries someone else changed."""

    status: ClaimStatus
    lost: frozenset[str] = frozenset()


class PayoutRepository:
    """Reads payable entries per shard, creates and advances payouts, claims entries in transactions."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ reading what is payable
    def payable_entries(self, shard: int, cutoff_iso: str) -> Iterator[Commission]:
        """Entries of one payable shard available before the cutoff (a Query on the sparse index, no Scan)."""
        items = self.table.query_all(
            "gsi2pk = :pk AND gsi2sk < :cutoff",
            {":pk": keys.commission_payable_partition(shard), ":cutoff": cutoff_iso},
            index=keys.GSI2,
        )
        for item in items:
            yield Commission.from_item(item)

    def open_payouts(self, shard: int) -> Iterator[Payout]:
        """Payouts of any period in this shard that the run still owes work (claiming or a transfer)."""
        items = self.table.query_all("gsi3pk = :pk", {":pk": keys.payout_open_partition(shard)}, index=keys.GSI3)
        for item in items:
            yield Payout.from_item(item)

    def commissions(self, partner_id: str, commission_ids: Sequence[str]) -> list[Commission]:
        """Ledger entries of a partner by id (consistent reads, so a statement reflects every claim)."""
        found = self.table.batch_get([keys.commission(partner_id, c) for c in commission_ids], consistent=True)
        return [Commission.from_item(item) for item in found]

    # ------------------------------------------------------------ payouts
    def get(self, partner_id: str, period: str, currency: str, *, consistent: bool = True) -> Payout | None:
        """A payout, or None."""
        item = self.table.get(keys.payout(partner_id, period, currency), consistent=consistent)
        return Payout.from_item(item) if item else None

    def create(self, payout: Payout) -> tuple[Payout, bool]:
        """Create the payout unless one exists for (partner, period, currency): (stored payout, created?)."""
        try:
            self.table.put(payout.to_item(), condition=NOT_EXISTS)
        except ConditionFailed as error:
            existing = error.item or self.table.get(
                keys.payout(payout.partner_id, payout.period, payout.amount.currency), consistent=True
            )
            if existing is None:  # deleted in between: cannot happen in this design, refuse loudly
                raise
            return Payout.from_item(existing), False
        return payout, True

    def replace(self, before: Payout, after: Payout) -> Payout:
        """Write `after` over `before` only if the stored payout is still in `before`'s state (optimistic).

        Raises ConditionFailed when another run (or an admin) moved it first. A move to paid or failed writes
        its `payout.paid` / `payout.failed` event in the same transaction.
        """
        condition = "#status = :status AND claimed_chunks = :chunks AND transfer_attempt = :attempt"
        names = {"#status": "status"}
        values = {":status": before.status.value, ":chunks": before.claimed_chunks, ":attempt": before.transfer_attempt}
        event = payout_event(self.table.name, before, after)
        if event is None:
            self.table.put(after.to_item(), condition=condition, names=names, values=values)
            return after
        try:
            self.table.transact_write(
                [self.table.put_action(after.to_item(), condition=condition, names=names, values=values), event]
            )
        except TransactionCancelled as error:
            raise ConditionFailed(error.items[0]) from error
        return after

    def claim_chunk(
        self,
        before: Payout | None,
        after: Payout,
        claims: Sequence[tuple[str, int, datetime | None]],
        claim_actions: Sequence[dict[str, Any]],
    ) -> ClaimOutcome:
        """One transaction: claim these entries (commission id, amount, planned available_at if still
        releasing) for the payout, move the payout's claim cursor, and (unless the payout was planned before
        the aggregates) move their amounts from unpaid to paid in the partner's balance. `before` None: the
        same transaction creates the payout, only if none exists.
        """
        if before is None:
            payout_action = self.table.put_action(after.to_item(), condition=NOT_EXISTS)
        else:
            payout_action = self.table.put_action(
                after.to_item(),
                condition="#status = :status AND claimed_chunks = :chunks",
                names={"#status": "status"},
                values={":status": before.status.value, ":chunks": before.claimed_chunks},
            )
        actions = [payout_action, *claim_actions]
        event = payout_event(self.table.name, before, after)
        if event is not None and len(actions) < MAX_TRANSACTION_ACTIONS:  # a plan's chunks leave it room
            actions.append(event)
        try:
            self.table.transact_write(actions)
        except TransactionCancelled as error:
            failed = error.failed_conditions
            if 0 in failed:
                return ClaimOutcome(ClaimStatus.PAYOUT_MOVED)
            # Actions 1..n are the entries' claims, in order.
            lost = frozenset(claims[i - 1][0] for i in failed if 0 < i <= len(claims))
            if lost:
                return ClaimOutcome(ClaimStatus.ENTRIES_CHANGED, lost)
            # Another transaction on these items, or throttling: worth another try after a pause.
            return ClaimOutcome(ClaimStatus.CONTENDED)
        return ClaimOutcome(ClaimStatus.CLAIMED)

    def release_chunk(self, before: Payout, after: Payout, unclaim_actions: Sequence[dict[str, Any]]) -> ClaimStatus:
        """One transaction of a release: give these entries back (the ledger's unclaim actions) and move the
        payout on, only if it is still in review with the claimed count it was read with. CLAIMED when it went
        through, PAYOUT_MOVED when another release (or anyone) moved the payout first, ENTRIES_CHANGED when an
        entry is no longer claimed by it, CONTENDED when another transaction was in the way."""
        payout_action = self.table.put_action(
            after.to_item(),
            condition="#status = :status AND commission_count = :count AND claimed_amount = :claimed",
            names={"#status": "status"},
            values={
                ":status": PayoutStatus.NEEDS_REVIEW.value,
                ":count": before.commission_count,
                ":claimed": before.claimed_amount,
            },
        )
        try:
            self.table.transact_write([payout_action, *unclaim_actions])
        except TransactionCancelled as error:
            failed = error.failed_conditions
            if 0 in failed:
                return ClaimStatus.PAYOUT_MOVED
            return ClaimStatus.ENTRIES_CHANGED if failed else ClaimStatus.CONTENDED
        return ClaimStatus.CLAIMED

    def in_review(self, *, limit: int = 100) -> list[Payout]:
        """Payouts waiting for finance (`needs_review`), oldest period first (a Query on the sparse index)."""
        items, _ = self.table.query("gsi3pk = :pk", {":pk": keys.PAYOUT_REVIEW_PARTITION}, index=keys.GSI3, limit=limit)
        return [Payout.from_item(i) for i in items]

    def list_period(
        self, period: str, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[Payout], str | None]:
        """One page of a period's payouts (every partner and currency) and the next cursor."""
        items, last = self.table.query(
            "gsi1pk = :pk",
            {":pk": keys.payout_period_partition(period)},
            index=keys.GSI1,
            limit=limit,
            start_key=decode_cursor(cursor, expected_keys={"pk", "sk", "gsi1pk", "gsi1sk"}),
        )
        return [Payout.from_item(i) for i in items], encode_cursor(last)

    def all_of_period(self, period: str) -> list[Payout]:
        """Every payout of a period (CSV export)."""
        items = self.table.query_all("gsi1pk = :pk", {":pk": keys.payout_period_partition(period)}, index=keys.GSI1)
        return [Payout.from_item(i) for i in items]

    def list_partner(self, partner_id: str, period: str | None = None) -> list[Payout]:
        """Every payout of one partner, oldest period first; with `period`, only that period's (every
        currency), read by key prefix."""
        pk, prefix = keys.payouts_of_period_prefix(partner_id, period) if period else keys.payouts_prefix(partner_id)
        low, high = keys.prefix_range(prefix)
        items = self.table.query_all("pk = :pk AND sk BETWEEN :low AND :high", {":pk": pk, ":low": low, ":high": high})
        return [Payout.from_item(i) for i in items]

    def require(self, partner_id: str, period: str, currency: str) -> Payout:
        """A payout, or NotFound (also when it is another partner's: we never say which)."""
        payout = self.get(partner_id, period, currency)
        if payout is None:
            raise NotFound(f"no payout for period {period} in {currency}", code="payout_not_found")
        return payout

    def mark_paid_manually(self, payout: Payout, reference: str, now: datetime) -> Payout:
        """pending manual payout -> paid with finance's reference, only once."""
        after = payout.model_copy(
            update={"status": PayoutStatus.PAID, "reference": reference, "paid_at": now, "updated_at": now}
        )
        try:
            return self.replace(payout, after)
        except ConditionFailed as error:
            raise Conflict("the payout changed meanwhile; read it again", code="payout_changed") from error


_EVENT_OF_STATUS = {
    PayoutStatus.PENDING: event_types.PAYOUT_CREATED,  # claiming done: the amount is final, the transfer next
    PayoutStatus.PAID: event_types.PAYOUT_PAID,
    PayoutStatus.FAILED: event_types.PAYOUT_FAILED,
}


def payout_event(table_name: str, before: Payout | None, after: Payout) -> dict[str, Any] | None:
    """The outbox action of a payout's move into pending (`payout.created`), paid or failed (each declined
    transfer attempt); None otherwise (claiming, withheld, a destination update, a failed payout queued again)."""
    event_type = _EVENT_OF_STATUS.get(after.status)
    retried_and_failed = before is not None and after.transfer_attempt != before.transfer_attempt
    if event_type is None or (before is not None and before.status is after.status and not retried_and_failed):
        return None
    if after.status is PayoutStatus.PENDING and before is not None and before.status is not PayoutStatus.IN_PROGRESS:
        return None  # a failed payout queued again is not a new payout
    data = {
        "payout_id": after.payout_id,
        "partner_id": after.partner_id,
        "program_id": after.program_id,
        "period": after.period,
        "amount": {"amount": after.amount.amount, "currency": after.amount.currency},
        "status": after.status.value,
        "method": after.method.value,
        "commission_count": after.commission_count,
        "reference": after.reference,
        "failure_reason": after.failure_reason,
    }
    return event_action(table_name, type=event_type, partner_id=after.partner_id, data=data, now=after.updated_at)
