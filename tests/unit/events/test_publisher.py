"""The publisher: outbox INSERTs of a stream batch put on the bus 10 a call, failures reported per record."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from shared.events import types
from shared.events.outbox import event_action
from shared.events.publisher import publish

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def outbox_record(number: int, event_name: str = "INSERT") -> dict[str, Any]:
    """The stream record of the `number`-th outbox item (sequence numbers grow with it)."""
    item = event_action(
        "t", type=types.LEAD_CREATED, partner_id="ptr_1", data={"n": number}, now=NOW, event_id=f"evt_{number:04d}"
    )["Put"]["Item"]
    return {"eventName": event_name, "dynamodb": {"SequenceNumber": str(1000 + number), "NewImage": item}}


class Bus:
    """An EventBridge stand-in that refuses the entries whose event ids it is told to, or every call after `calls`."""

    def __init__(self, refuse: set[str] | None = None, fail_call: int | None = None) -> None:
        self.refuse, self.fail_call = refuse or set(), fail_call
        self.calls: list[list[dict[str, Any]]] = []
        self.accepted: list[str] = []

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        self.calls.append(Entries)
        if self.fail_call is not None and len(self.calls) == self.fail_call:
            raise TimeoutError("read timeout")
        answers = []
        for entry in Entries:
            event_id = json.loads(entry["Detail"])["id"]
            if event_id in self.refuse:
                answers.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
            else:
                self.accepted.append(event_id)
                answers.append({"EventId": f"eb-{event_id}"})
        return {"FailedEntryCount": sum("ErrorCode" in a for a in answers), "Entries": answers}


def test_a_batch_of_25_is_put_in_three_calls_in_order_with_the_event_as_detail() -> None:
    # Given 25 outbox inserts
    records = [outbox_record(n) for n in range(25)]
    bus = Bus()
    # When the batch is published
    result = publish(records, bus, "the-bus")
    # Then three PutEvents calls of 10, 10 and 5 carry every event in order, and nothing is reported
    assert result == {"batchItemFailures": []}
    assert [len(c) for c in bus.calls] == [10, 10, 5]
    assert bus.accepted == [f"evt_{n:04d}" for n in range(25)]
    entry = bus.calls[0][0]
    assert (entry["EventBusName"], entry["Source"], entry["DetailType"]) == (
        "the-bus",
        "referral-program",
        "lead.created",
    )
    assert json.loads(entry["Detail"]) == {
        "id": "evt_0000", "type": "lead.created", "created": int(NOW.timestamp()), "partner_id": "ptr_1",
        "data": {"n": 0},
    }  # fmt: skip


def test_an_entry_eventbridge_refuses_is_reported_and_nothing_after_it_is_sent() -> None:
    # Given a bus that refuses the 13th event
    bus = Bus(refuse={"evt_0012"})
    # When 25 events are published
    result = publish([outbox_record(n) for n in range(25)], bus, "b")
    # Then Lambda is told to retry from that record, and the third chunk was never sent (it would come twice)
    assert result == {"batchItemFailures": [{"itemIdentifier": "1012"}]}
    assert len(bus.calls) == 2


def test_a_put_events_call_that_raises_reports_its_first_record() -> None:
    bus = Bus(fail_call=2)
    result = publish([outbox_record(n) for n in range(15)], bus, "b")
    assert result == {"batchItemFailures": [{"itemIdentifier": "1010"}]}
    assert bus.accepted == [f"evt_{n:04d}" for n in range(10)]


def test_records_that_are_not_outbox_inserts_are_skipped() -> None:
    # Given a batch with a MODIFY of an outbox item (a deterministic id written again) and some other item
    other = {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "1", "NewImage": {"pk": {"S": "LEAD#1"}}}}
    bus = Bus()
    result = publish([other, outbox_record(1, "MODIFY"), outbox_record(2)], bus, "b")
    # Then only the new outbox item is published
    assert result == {"batchItemFailures": []} and bus.accepted == ["evt_0002"]


def test_a_malformed_outbox_image_is_reported_after_what_came_before_is_sent() -> None:
    broken = outbox_record(3)
    del broken["dynamodb"]["NewImage"]["created"]
    bus = Bus()
    result = publish([outbox_record(1), outbox_record(2), broken, outbox_record(4)], bus, "b")
    assert result == {"batchItemFailures": [{"itemIdentifier": "1003"}]}
    assert bus.accepted == ["evt_0001", "evt_0002"]
