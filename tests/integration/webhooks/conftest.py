"""Outgoing-webhook fixtures: a receiver on 127.0.0.1 that answers what the test says and records what it gets,
the bus's delivery of the table's outbox events to the real fan-out function, and the local delivery worker."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devstack.bus import eventbridge_event
from shared.context import AppContext
from shared.events.publisher import LOCAL_BUS_NAME, bus_entry
from shared.webhooks import local
from shared.webhooks.queue import LOCAL_QUEUE
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.factories import ADMIN
from tests.integration.events.conftest import outbox


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed."""
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny HTTP server: answers the queued statuses in turn (then 200) and keeps every request."""

    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    delay_seconds: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on a free port of 127.0.0.1 for this test."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(state.delay_seconds)
            state.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            answer = b'{"ok": true}' if status < 300 else b"upstream exploded " * 100
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/referrals"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _clean_local_queue() -> Iterator[None]:
    LOCAL_QUEUE.clear()
    yield
    LOCAL_QUEUE.clear()


def bus_event(event: dict[str, Any]) -> dict[str, Any]:
    """An event body as EventBridge hands it to a rule's target (the publisher's entry, through the local bus)."""
    return eventbridge_event(bus_entry(event, LOCAL_BUS_NAME))


def publish_to_webhooks(ctx: AppContext, events: list[dict[str, Any]] | None = None) -> int:
    """Hand events (default: every outbox event) to the webhook fan-out function as the bus's rule does."""
    events = outbox(ctx) if events is None else events
    made = 0
    for event in events:
        made += lambdas().invoke("webhook_fanout", bus_event(event))["deliveries"]
    return made


def deliver(ctx: AppContext) -> int:
    """Run the local delivery worker over what is due at the test's clock."""
    return local.drain(ctx)


def register(api: ApiClient, url: str, events: list[str]) -> dict[str, Any]:
    """Register an endpoint through the admin API; its JSON (with the one-time secret)."""
    response = api.post("/admin/webhook-endpoints", json={"url": url, "events": events}, headers=ADMIN)
    assert response.status == 201, response.body
    return dict(response.json)
