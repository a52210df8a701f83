"""The data layer against DynamoDB Local: conditional writes refuse duplicates; transactions are all or nothing."""

from __future__ import annotations

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.dynamo import NOT_EXISTS, ConditionFailed, Table, TransactionCancelled
from shared.core.errors import Conflict
from shared.partners import service as partners

pytestmark = pytest.mark.integration


def test_a_conditional_put_refuses_a_duplicate_and_reports_the_existing_item(table: Table) -> None:
    item = {**keys.webhook_event("evt_1"), "event_type": "invoice.paid"}
    table.put(item, condition=NOT_EXISTS)
    with pytest.raises(ConditionFailed) as raised:
        table.put({**item, "event_type": "other"}, condition=NOT_EXISTS)
    assert raised.value.item is not None and raised.value.item["event_type"] == "invoice.paid"
    assert table.get(keys.webhook_event("evt_1"))["event_type"] == "invoice.paid"  # type: ignore[index]


def test_a_transaction_is_all_or_nothing(table: Table) -> None:
    # Given an existing item that one action of a transaction conflicts with
    table.put({**keys.webhook_event("evt_1"), "n": 1})
    actions = [
        table.put_action({**keys.webhook_event("evt_2"), "n": 1}, condition=NOT_EXISTS),
        table.put_action({**keys.webhook_event("evt_1"), "n": 2}, condition=NOT_EXISTS),
    ]
    # When the transaction runs
    with pytest.raises(TransactionCancelled) as raised:
        table.transact_write(actions)
    # Then nothing was written, and the failing action is named
    assert raised.value.failed_conditions == [1]
    assert table.get(keys.webhook_event("evt_2")) is None
    assert table.get(keys.webhook_event("evt_1"))["n"] == 1  # type: ignore[index]


def test_a_partner_email_is_claimed_in_the_same_transaction(ctx: AppContext) -> None:
    ctx.table.put({**keys.program("default"), "name": "x"})
    data = partners.PartnerInput(name="Ada", email="ada@example.com")  # type: ignore[arg-type]
    first = partners.create_partner(ctx, data)
    with pytest.raises(Conflict):
        partners.create_partner(ctx, partners.PartnerInput(name="Ada", email="ADA@example.com "))  # type: ignore[arg-type]
    # The refused partner left no profile behind
    listed, _ = ctx.partners.list_page("default", limit=10, cursor=None)
    assert [p.partner_id for p in listed] == [first.partner_id]


def test_floats_never_reach_the_table(table: Table) -> None:
    with pytest.raises(TypeError):
        table.put({**keys.program("x"), "rate": 0.1})
