"""Outgoing webhooks: the fan-out of one event to its endpoints, and one delivery attempt (read, order check,
lease, signed POST to a receiver on 127.0.0.1, conditional rewrite), with DynamoDB requests per operation.

Floor: what any logged delivery needs at least, on the same DynamoDB Local and receiver, alternating call by
call with each measured operation (so both see the same machine load): one raw HTTP POST of the same body to
the same receiver plus one raw PutItem of the delivery item's size through the same client.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import itertools
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.bench_webhook import interleaved
from bench.harness import BenchContext, RequestCounter, percentiles, row
from shared.core import keys
from shared.core.dynamo import make_client
from shared.webhooks import service
from shared.webhooks.queue import LocalDeliveryQueue

ITERATIONS = 200
ENDPOINTS = 3


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


def _events(partner_id: str, created: int) -> Iterator[dict[str, Any]]:
    for number in itertools.count(1):
        yield {
            "id": f"evt_bench{number:021d}",
            "type": "commission.created",
            "created": created + number,
            "partner_id": f"{partner_id}-{number}",  # one line per event: no delivery waits behind another
            "data": {"commission_id": f"com_{number}", "partner_id": partner_id, "amount": 1250, "currency": "USD"},
        }


def run(bench: BenchContext) -> None:
    """Print fan-out and attempt latency against the POST + PutItem floor, and DynamoDB requests of each."""
    ctx, partner_id = bench.program_context("outgoing-webhooks")
    client = ctx.table.client = make_client(endpoint_url=bench.database.endpoint)
    counter = RequestCounter()
    counter.attach(client)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    for n in range(ENDPOINTS):
        service.register(ctx, f"http://127.0.0.1:{port}/hooks/{n}", ["commission.created"])
    queue = LocalDeliveryQueue()
    events = _events(partner_id, int(ctx.clock.now().timestamp()))
    made: list[str] = []

    def fan_out() -> None:
        made.extend(service.fan_out(ctx, next(events), queue))

    def attempt() -> None:
        assert service.attempt(ctx, made.pop(), queue) == "succeeded"

    sample = service.fan_out(ctx, next(events), queue)[0]
    item = ctx.table.get(keys.webhook_delivery(sample))
    assert item is not None
    body = str(item["body"]).encode()

    def floor() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/hooks/floor", body=body, headers={"Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()
        ctx.table.put({**item, "pk": "BENCH#FLOOR", "gsi1pk": "BENCH", "gsi2pk": "BENCH"})

    print(f"  {ENDPOINTS} endpoints subscribed; delivery body {len(body)} bytes; receiver on 127.0.0.1")
    for label, call, warmup in (
        (f"fan-out of one event to {ENDPOINTS} endpoints", fan_out, 30),
        ("one attempt answered 200", attempt, 30),
    ):
        with contextlib.redirect_stdout(io.StringIO()):  # EMF metrics go to stdout
            floor_samples, samples = interleaved(floor, call, ITERATIONS, warmup=warmup)
            counter.reset()
            call()
        print(row("floor: raw POST + PutItem", percentiles(floor_samples)))
        print(
            row(label, percentiles(samples), percentiles(floor_samples))
            + f"   dynamodb requests={counter.count} {counter.by_operation}"
        )
    server.shutdown()
    server.server_close()
