"""The publisher: a DynamoDB Stream batch of outbox INSERTs put on the EventBridge bus, 10 entries a
PutEvents call, in stream order. What fails is reported as `batchItemFailures`: Lambda retries from the first
failed record (the records after it come again too), so a subscriber may see an event twice, always with the
same `id`; subscribers deduplicate by it (docs/events.md).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.events.outbox import ENTITY, event_of_image
from shared.events.types import SOURCE

PUT_EVENTS_LIMIT = 10  # PutEvents' entries per call


class EventsClient(Protocol):
    """What the publisher needs of an EventBridge client (boto3's, or the local bus)."""

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Put up to 10 entries; the answer's `Entries[i]` has `EventId` or `ErrorCode` for entry i."""
        ...


@dataclass
class RecordingBus:
    """An in-memory bus for a process without one (tests that do not look at events): it keeps what it gets."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Keep the entries (the latest thousand); every one succeeds."""
        self.entries.extend(Entries)
        del self.entries[:-1000]
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(i)} for i in range(len(Entries))]}


_client: EventsClient | None = None
_client_lock = threading.Lock()


def use_events_client(client: EventsClient | None) -> None:
    """Replace the EventBridge client (the local bus installs itself; None restores the default)."""
    global _client  # noqa: PLW0603 - one client per container, on purpose
    with _client_lock:
        _client = client


def events_client(bus: str | None) -> EventsClient:
    """The EventBridge client of this container: boto3's when the function names a bus (AWS), else an
    in-memory bus (a local process without devstack's bus keeps what is published, nothing more)."""
    global _client  # noqa: PLW0603
    with _client_lock:
        if _client is None:
            if bus:
                import boto3  # noqa: PLC0415 - only the publisher needs it

                _client = boto3.client("events")
            else:
                _client = RecordingBus()
        return _client


LOCAL_BUS_NAME = "referral-local"
"""The bus name entries carry when EVENT_BUS_NAME is unset (the local bus ignores it)."""


def is_outbox_insert(record: Mapping[str, Any]) -> bool:
    """True for the stream record of a new outbox item (the template's filter lets only these through; the
    local poller delivers every record, so the publisher checks again)."""
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    return record.get("eventName") == "INSERT" and image.get("entity") == {"S": ENTITY}


def bus_entry(event: Mapping[str, Any], bus: str) -> dict[str, Any]:
    """The PutEvents entry of an event body: Source, DetailType (the event type), Detail (the body)."""
    return {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": event["type"],
        "Detail": json.dumps(event, separators=(",", ":"), sort_keys=True),
    }


def publish(records: Sequence[Mapping[str, Any]], client: EventsClient, bus: str) -> dict[str, Any]:
    """Put the batch's outbox events on the bus, in order; `{"batchItemFailures": [...]}` names the first record
    that failed (a malformed image or an entry PutEvents refused or a call that raised). Nothing after it is
    sent: Lambda redelivers from there, so sending later records now would only double them."""
    pending: list[tuple[str, dict[str, Any]]] = []
    for record in records:
        if not is_outbox_insert(record):
            continue
        sequence = str(record["dynamodb"]["SequenceNumber"])
        try:
            event = event_of_image(record["dynamodb"]["NewImage"])
        except (KeyError, TypeError, ValueError):
            return _failed_from(sequence, pending, client)
        pending.append((sequence, bus_entry(event, bus)))
    return _send(pending, client)


def _failed_from(sequence: str, before: list[tuple[str, dict[str, Any]]], client: EventsClient) -> dict[str, Any]:
    # Send what came before the bad record; the bad one (and everything after) is retried, then lands in the DLQ.
    result = _send(before, client)
    return result if result["batchItemFailures"] else {"batchItemFailures": [{"itemIdentifier": sequence}]}


def _send(pending: list[tuple[str, dict[str, Any]]], client: EventsClient) -> dict[str, Any]:
    for start in range(0, len(pending), PUT_EVENTS_LIMIT):
        chunk = pending[start : start + PUT_EVENTS_LIMIT]
        try:
            answer = client.put_events(Entries=[entry for _, entry in chunk])
        except Exception:  # throttled, timed out, unreachable: retried from this chunk
            from shared.core.observability import logger  # noqa: PLC0415

            logger.exception("PutEvents failed", extra={"first_sequence": chunk[0][0]})
            return {"batchItemFailures": [{"itemIdentifier": chunk[0][0]}]}
        results = list(answer.get("Entries") or [])
        for index, (sequence, _) in enumerate(chunk):
            if index >= len(results) or results[index].get("ErrorCode") or not results[index].get("EventId"):
                from shared.core.observability import logger  # noqa: PLC0415

                refused = results[index] if index < len(results) else {}
                logger.warning("PutEvents refused an entry", extra={"sequence": sequence, **refused})
                return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}


def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    """The publisher function's batch: its records published on this container's bus."""
    from shared.context import get_context  # noqa: PLC0415 - the core of this module needs no context

    bus = get_context().settings.event_bus_name
    return publish(list(event.get("Records") or []), events_client(bus), bus or LOCAL_BUS_NAME)
