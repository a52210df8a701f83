"""The ledger store's requests, read without a database: the exact conditions of entry updates and claims,
the ADD updates of the balance aggregates, and refused transactions turned into domain outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.commissions import rules
from shared.commissions.models import Commission, CommissionStatus
from shared.commissions.store import (
    CommissionRepository,
    EntryUpdate,
    LedgerWrite,
    WriteOutcome,
    entry_update,
    outcome_of,
    totals_update,
)
from shared.core import keys
from shared.core.dynamo import Table, TransactionCancelled
from shared.core.money import Money

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


def pending(commission_id: str = "com_in_1_sale_rate") -> Commission:
    return Commission(
        commission_id=commission_id,
        partner_id="p1",
        program_id="default",
        amount=Money.of(2000, "USD"),
        rule="sale_rate",
        available_at=LATER,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_hold_is_conditioned_on_the_state_it_was_read_in_and_moves_the_index_keys() -> None:
    before = pending()
    held = before.model_copy(update={"status": CommissionStatus.HELD})
    update = entry_update("t", EntryUpdate.between(before, held))["Update"]
    assert update["ConditionExpression"] == (
        "attribute_not_exists(payout_id) AND #status = :expected AND available_at = :expected_available_at"
    )
    assert update["UpdateExpression"].endswith("REMOVE gsi2pk, gsi2sk")
    assert update["ExpressionAttributeValues"][":gsi3pk"] == {"S": "PARTNER#p1#COMMISSIONS#held"}
    assert update["ExpressionAttributeValues"][":expected"] == {"S": "pending"}


def test_a_claim_is_the_same_update_with_the_ledger_contracts_condition() -> None:
    claim = entry_update("t", EntryUpdate.claim("p1", "com_1", "po_1", NOW, None))["Update"]
    assert claim["ConditionExpression"] == "attribute_not_exists(payout_id) AND #status IN (:expected0, :expected1)"
    assert claim["UpdateExpression"] == (
        "SET #status = :status, updated_at = :updated_at, payout_id = :payout_id, gsi3pk = :gsi3pk "
        "REMOVE gsi2pk, gsi2sk"
    )
    assert claim["ExpressionAttributeValues"][":gsi3pk"] == {"S": keys.commission_state_partition("p1", "paid")}
    # An entry planned before it releases is claimed only while its release minute is still the planned one
    planned = entry_update("t", EntryUpdate.claim("p1", "com_1", "po_1", NOW, LATER))["Update"]
    assert planned["ConditionExpression"].endswith("AND available_at = :expected_available_at")


def test_the_totals_are_added_to_without_a_condition() -> None:
    delta = rules.TotalsDelta(unpaid=-2000, paid=2000)
    update = totals_update("t", "p1", "USD", delta)["Update"]
    assert "ConditionExpression" not in update
    assert update["UpdateExpression"].startswith("ADD unpaid :unpaid, held :held, paid :paid, voided :voided")
    assert update["Key"] == {"pk": {"S": "PARTNER#p1"}, "sk": {"S": "BALANCE#TOTAL#USD"}}
    assert update["ExpressionAttributeValues"][":paid"] == {"N": "2000"}


@pytest.mark.parametrize(
    ("reasons", "outcome"),
    [
        (["ConditionalCheckFailed", "None", "None"], WriteOutcome.DUPLICATE),
        (["None", "ConditionalCheckFailed", "None"], WriteOutcome.DUPLICATE),
        (["None", "None", "ConditionalCheckFailed"], WriteOutcome.CONFLICT),
        (["None", "None", "TransactionConflict"], WriteOutcome.CONFLICT),
    ],
)
def test_a_refused_transaction_is_a_domain_outcome(reasons: list[str], outcome: WriteOutcome) -> None:
    # Given a write whose first two actions are its event and business-fact records
    assert outcome_of(TransactionCancelled(reasons), dedupe_positions=2) is outcome


def test_throttling_is_not_an_outcome_it_raises() -> None:
    with pytest.raises(TransactionCancelled):
        outcome_of(TransactionCancelled(["ThrottlingError", "None"]), dedupe_positions=1)


class RefusingTable(Table):
    """A table whose transactions are refused with the given reasons (no network)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(client=None, name="t")
        self.reasons = reasons
        self.sent: list[Any] = []

    def transact_write(self, actions: Any) -> None:
        self.sent = list(actions)
        raise TransactionCancelled(self.reasons + ["None"] * (len(actions) - len(self.reasons)))


def test_the_store_answers_the_service_with_outcomes_never_positions() -> None:
    # Given a sale write: its event record, then a versioned item, then the new entry and its aggregates
    entry = pending()
    change = LedgerWrite(NOW, records=[{"pk": "STRIPE_EVENT#evt_1", "sk": "EVENT"}], new_entries=[entry])
    # When DynamoDB refuses it on the event record, then on the entry
    assert CommissionRepository(RefusingTable(["ConditionalCheckFailed"])).write(change) is WriteOutcome.DUPLICATE
    table = RefusingTable(["None", "ConditionalCheckFailed"])
    assert CommissionRepository(table).write(change) is WriteOutcome.CONFLICT
    # And the transaction carried the entry's balance totals and its release day with it
    assert [a["Update"]["Key"]["sk"]["S"] for a in table.sent if "Update" in a] == [
        "BALANCE#TOTAL#USD",
        "BALANCE#DAY#2026-12-02#USD",
    ]


def test_a_reversal_id_extends_its_entrys_id_so_one_prefix_query_finds_both() -> None:
    _, prefix = keys.commission_with_reversals_prefix("p1", "com_in_1_sale_rate")
    assert keys.commission("p1", keys.commission_reversal_id("com_in_1_sale_rate", 2))["sk"].startswith(prefix)
    assert keys.commission("p1", "com_in_1_sale_rate")["sk"].startswith(prefix)
