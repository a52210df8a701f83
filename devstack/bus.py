"""EventBridge, locally: the stack's `EventBus` as template.yaml defines it. The publisher's PutEvents calls land
here (`use_events_client`); each entry is matched against the template's rules on that bus (`AWS::Events::Rule`
with `EventBusName: !Ref EventBus`, or a function's `EventBridgeRule` event on it) and delivered to each target
function with the event shape EventBridge sends Lambda. A target that raises is retried, as Lambda's
asynchronous invocation retries twice; after that the event is kept in `dead_letters` (the DLQ).

`make dev` runs it in a thread; tests call `drain()` (or `drain_chain()` for stream -> publisher -> bus).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devstack.template import functions, load_template

BUS_LOGICAL_ID = "EventBus"
ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries
Deliver = Callable[[str, dict[str, Any]], Any]


@dataclass(frozen=True)
class BusRule:
    """One rule on the bus: its name, pattern, and the functions (folder names) it targets."""

    name: str
    pattern: Mapping[str, Any]
    targets: tuple[str, ...]


def _is_bus(reference: Any) -> bool:
    """True when an EventBusName refers to the stack's EventBus (`!Ref EventBus` or `!GetAtt EventBus.Name/Arn`)."""
    if isinstance(reference, dict):
        if reference.get("Ref") == BUS_LOGICAL_ID:
            return True
        attribute = reference.get("Fn::GetAtt")
        target = attribute.split(".", 1)[0] if isinstance(attribute, str) else (attribute or [None])[0]
        return target == BUS_LOGICAL_ID
    return False


def _function_of(arn: Any, by_logical_id: Mapping[str, str]) -> str | None:
    """The function folder a target's `Arn: !GetAtt XFunction.Arn` names, or None (a queue, another service)."""
    attribute = arn.get("Fn::GetAtt") if isinstance(arn, dict) else None
    logical_id = attribute.split(".", 1)[0] if isinstance(attribute, str) else (attribute or [None])[0]
    return by_logical_id.get(str(logical_id))


def bus_rules() -> list[BusRule]:
    """The rules of template.yaml on the stack's EventBus, with the functions they target."""
    template = load_template()
    by_logical_id = {spec.logical_id: name for name, spec in functions().items()}
    found: list[BusRule] = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        if resource["Type"] == "AWS::Events::Rule" and _is_bus(props.get("EventBusName")):
            if props.get("State", "ENABLED") != "ENABLED" or "EventPattern" not in props:
                continue
            targets = tuple(
                name for t in props.get("Targets", []) if (name := _function_of(t.get("Arn"), by_logical_id))
            )
            found.append(BusRule(logical_id, props["EventPattern"], targets))
        elif resource["Type"] == "AWS::Serverless::Function":
            for event_name, event in (props.get("Events") or {}).items():
                event_props = event.get("Properties") or {}
                if event["Type"] == "EventBridgeRule" and _is_bus(event_props.get("EventBusName")):
                    found.append(
                        BusRule(f"{logical_id}.{event_name}", event_props["Pattern"], (by_logical_id[logical_id],))
                    )
    return found


def _value_matches(condition: Any, value: Any) -> bool:
    """One element of a pattern's list against one value (exact, prefix, anything-but, exists)."""
    if isinstance(condition, dict):
        if "prefix" in condition:
            return isinstance(value, str) and value.startswith(condition["prefix"])
        if "anything-but" in condition:
            excluded = condition["anything-but"]
            return value not in (excluded if isinstance(excluded, list) else [excluded])
        if "exists" in condition:
            return (value is not None) == bool(condition["exists"])
        return False
    return condition == value


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether an event matches an EventBridge pattern (the subset the template uses: lists of values,
    nested objects, prefix, anything-but, exists)."""
    for key, condition in pattern.items():
        value = event.get(key) if isinstance(event, Mapping) else None
        if isinstance(condition, dict):
            if not isinstance(value, Mapping) or not matches(condition, value):
                return False
            continue
        values = value if isinstance(value, list) else [value]
        if not any(_value_matches(c, v) for c in condition for v in values):
            return False
    return True


def eventbridge_event(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The event EventBridge hands a Lambda target for one PutEvents entry."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": "000000000000",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }


@dataclass
class LocalBus:
    """The stack's bus in this process: PutEvents queues, `drain()` (or the `make dev` thread) delivers."""

    deliver: Deliver
    rules: list[BusRule] = field(default_factory=bus_rules)
    events: list[dict[str, Any]] = field(default_factory=list)  # every event put, in order
    deliveries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (function, event) that succeeded
    dead_letters: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # (function, event, error)
    _queue: deque[tuple[str, dict[str, Any], int]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        """PutEvents: accept up to 10 entries, queue one delivery per matching rule target."""
        if not 1 <= len(Entries) <= 10:
            raise ValueError("PutEvents takes 1 to 10 entries")
        answers = []
        with self._lock:
            for entry in Entries:
                event = eventbridge_event(entry)
                self.events.append(event)
                for rule in self.rules:
                    if matches(rule.pattern, event):
                        self._queue.extend((target, event, 1) for target in rule.targets)
                answers.append({"EventId": event["id"]})
        return {"FailedEntryCount": 0, "Entries": answers}

    def drain(self) -> int:
        """Deliver every queued event (retries included) until the queue is empty; the number delivered."""
        delivered = 0
        while True:
            with self._lock:
                if not self._queue:
                    return delivered
                target, event, attempt = self._queue.popleft()
            try:
                self.deliver(target, event)
            except Exception as error:  # a failed invocation: Lambda retries it, then gives up
                with self._lock:
                    if attempt < ATTEMPTS:
                        self._queue.append((target, event, attempt + 1))
                    else:
                        self.dead_letters.append((target, event, repr(error)))
                continue
            delivered += 1
            with self._lock:
                self.deliveries.append((target, event))

    def of_type(self, detail_type: str) -> list[dict[str, Any]]:
        """The events put on the bus with this detail-type (tests)."""
        return [e for e in self.events if e["detail-type"] == detail_type]

    def run(self, stop: threading.Event, interval: float = 0.2) -> None:
        """Deliver until `stop` is set (make dev's thread)."""
        while not stop.is_set():
            try:
                self.drain()
            except Exception as error:  # a dev loop keeps going
                print(f"local bus: {error}", flush=True)
            stop.wait(interval)

    def start(self, stop: threading.Event) -> threading.Thread:
        """Run in a daemon thread until `stop` is set."""
        thread = threading.Thread(target=self.run, args=(stop,), daemon=True, name="local-bus")
        thread.start()
        return thread


def install(bus: LocalBus | None) -> LocalBus | None:
    """Make `bus` the publisher's EventBridge client in this process (None: back to the default)."""
    from shared.events.publisher import use_events_client

    use_events_client(bus)
    return bus


def drain_chain(poller: Any, bus: LocalBus, rounds: int = 20) -> int:
    """Drain the table's stream (publisher and other consumers) and the bus, again and again, until neither
    has anything left (a consumer's writes may publish more events); the number of bus deliveries."""
    delivered = 0
    for _ in range(rounds):
        records = poller.drain()
        deliveries = bus.drain()
        delivered += deliveries
        if not records and not deliveries:
            return delivered
    return delivered


def with_local_bus(lambdas: Any, stop: threading.Event) -> LocalBus:
    """`make dev`: the local bus, installed as the publisher's client, delivering to the template's rule
    targets in a thread until `stop` is set."""
    bus = LocalBus(lambdas.invoke)
    install(bus)
    bus.start(stop)
    targets = sorted({t for rule in bus.rules for t in rule.targets})
    if targets:
        print(f"event bus -> functions/{', functions/'.join(targets)}", flush=True)
    return bus
