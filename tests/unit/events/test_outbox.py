"""The outbox action: one Put of an OutboxEvent item, read back as the published event body."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.core.dynamo import deserialize
from shared.events import types
from shared.events.outbox import event_action, event_of_item, is_outbox_action

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_an_event_action_is_one_put_of_an_outbox_item_with_a_week_of_ttl() -> None:
    # Given a lead status change to report
    data = {"lead_id": "led_1", "from": "new", "to": "qualified"}
    # When its outbox action is built
    action = event_action("table", type=types.LEAD_STATUS_CHANGED, partner_id="ptr_1", data=data, now=NOW)
    # Then it is a single unconditional Put of an OutboxEvent item with a JSON `data`
    assert list(action) == ["Put"] and "ConditionExpression" not in action["Put"]
    assert is_outbox_action(action)
    item = deserialize(action["Put"]["Item"])
    assert item["event_id"].startswith("evt_") and len(item["event_id"]) == 30
    assert item["pk"] == f"EVENT#{item['event_id']}" and item["entity"] == "OutboxEvent"
    assert item["type"] == "lead.status_changed" and item["partner_id"] == "ptr_1"
    assert item["created"] == int(NOW.timestamp()) and item["expires_at"] == item["created"] + 7 * 86400
    assert json.loads(item["data"]) == data


def test_a_given_event_id_is_kept_and_the_body_is_the_webhook_body_plus_partner() -> None:
    action = event_action(
        "table", type=types.PAYOUT_PAID, partner_id=None, data={"amount": 1250}, now=NOW, event_id="evt_fixed"
    )
    body = event_of_item(deserialize(action["Put"]["Item"]))
    assert body == {"id": "evt_fixed", "type": "payout.paid", "created": int(NOW.timestamp()), "partner_id": None,
                    "data": {"amount": 1250}}  # fmt: skip


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError):
        event_action("table", type="lead.qualifed", partner_id="ptr_1", data={}, now=NOW)


def test_every_design_event_type_is_known() -> None:
    assert set(types.ALL) >= {
        "partner.applied", "partner.approved", "partner.rejected", "lead.created", "lead.status_changed",
        "customer.attributed", "commission.created", "commission.reversed", "commission.status_changed",
        "payout.created", "payout.paid", "payout.failed",
    }  # fmt: skip
