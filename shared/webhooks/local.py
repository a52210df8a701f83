"""The local delivery worker: `make dev` runs it in a thread, tests call `drain()`. It empties the in-process
queue (shared.webhooks.queue.LOCAL_QUEUE) by the context's clock, with the same `attempt` the Lambda worker runs."""

from __future__ import annotations

import math
import threading

from shared.context import AppContext, get_context
from shared.webhooks import service, transport
from shared.webhooks.models import DeliveryStatus
from shared.webhooks.queue import LOCAL_QUEUE


def drain(
    ctx: AppContext | None = None, *, resolve: transport.Resolve = transport.system_resolve, rounds: int = 100
) -> int:
    """Attempt every delivery whose wake-up is due at the context's clock, until none is; the number handled.
    Bounded (`rounds`), so a delivery that keeps waking itself up cannot loop forever."""
    ctx = ctx or get_context()
    handled = 0
    for _ in range(rounds):
        due = LOCAL_QUEUE.take_due(ctx.clock.now())
        if not due:
            break
        for delivery_id in due:
            service.attempt(ctx, delivery_id, LOCAL_QUEUE, resolve=resolve)
            handled += 1
    return handled


def run(stop: threading.Event, interval: float = 0.5) -> None:
    """Drain every `interval` seconds until `stop` is set (a failing round is reported and retried)."""
    while not stop.is_set():
        try:
            drain()
        except Exception as error:  # a dev loop keeps going, as the SQS worker would be retried
            print(f"webhook delivery worker: {error}", flush=True)
        stop.wait(interval)


def wake_pending(ctx: AppContext | None = None) -> int:
    """Queue a wake-up for every pending delivery of every endpoint, when it is due: the local queue lives in
    memory, so a restarted `make dev` finds its retries again. The number queued."""
    ctx = ctx or get_context()
    queued = 0
    for endpoint in service.endpoints(ctx):
        cursor: str | None = None
        while True:
            page, cursor = service.deliveries(
                ctx, endpoint.endpoint_id, limit=100, cursor=cursor, status=DeliveryStatus.PENDING
            )
            now = ctx.clock.now()
            for delivery in page:
                wait = 0.0 if delivery.next_attempt_at is None else (delivery.next_attempt_at - now).total_seconds()
                LOCAL_QUEUE.wake(delivery.delivery_id, max(0, math.ceil(wait)), now)
                queued += 1
            if cursor is None:
                break
    return queued


def start_local_worker(stop: threading.Event) -> threading.Thread:
    """`make dev`: the local delivery worker in a daemon thread until `stop` is set (the pending deliveries of
    an earlier run queued again first)."""
    try:
        wake_pending()
    except Exception as error:  # a dev convenience: the worker starts anyway
        print(f"webhook delivery worker: pending deliveries not queued again: {error}", flush=True)
    thread = threading.Thread(target=run, args=(stop,), daemon=True, name="webhook-deliveries")
    thread.start()
    print("webhook deliveries -> local worker (every 0.5 s; retries after 10 s, 30 s, 2 min, ...)", flush=True)
    return thread
