"""Events fixtures: the outbox items of the test's table, and the whole local chain - the table's stream
driving the real publisher (and the other stream consumers), the local bus delivering to the rules' targets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.bus import LocalBus, drain_chain, install
from devstack.streams import StreamPoller
from shared.context import AppContext
from shared.core import keys
from shared.core.dynamo import deserialize
from shared.events.outbox import event_of_item
from tests.helpers.api import lambdas
from tests.integration.portal.conftest import mail_dir  # noqa: F401 - the portal's fixture


def outbox(ctx: AppContext) -> list[dict[str, Any]]:
    """Every outbox event in the table (a Scan: tests only), oldest first, as published bodies."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": ctx.table.name,
        "FilterExpression": "begins_with(pk, :events)",
        "ExpressionAttributeValues": {":events": {"S": keys.event_prefix()}},
        "ConsistentRead": True,
    }
    while True:
        page = ctx.table.client.scan(**kwargs)
        items += [deserialize(i) for i in page.get("Items", [])]
        if not page.get("LastEvaluatedKey"):
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted((event_of_item(i) for i in items), key=lambda e: e["id"])


def types_of(events: list[dict[str, Any]]) -> list[str]:
    """The event types, oldest first."""
    return [e["type"] for e in events]


@dataclass
class Chain:
    """The local chain of a test: stream -> publisher -> bus -> consumers."""

    poller: StreamPoller
    bus: LocalBus

    def drain(self) -> int:
        """Deliver everything written so far through the chain; the number of bus deliveries."""
        return drain_chain(self.poller, self.bus)


def invoke(name: str, event: dict[str, Any]) -> Any:
    """Invoke a function of template.yaml in-process."""
    return lambdas().invoke(name, event)


@pytest.fixture
def chain(ctx: AppContext) -> Iterator[Chain]:
    """The chain on this test's table (request it before anything is written: the stream starts with it)."""
    poller = StreamPoller(ctx.table.client, ctx.table.name, invoke)
    bus = LocalBus(invoke)
    install(bus)
    yield Chain(poller, bus)
    install(None)
