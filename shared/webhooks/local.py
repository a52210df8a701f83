"""The local delivery worker: `make dev` runs it in a thread, tests call `drain()`. It empties the in-process
queue (shared.webhooks.queue.LOCAL_QUEUE) by the context's clock, with the same `attempt` the Lambda worker runs."""

from __future__ import annotations

import threading

from shared.context import AppContext, get_context
from shared.webhooks import service, transport
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


def start_local_worker(stop: threading.Event) -> threading.Thread:
    """`make dev`: the local delivery worker in a daemon thread until `stop` is set."""
    thread = threading.Thread(target=run, args=(stop,), daemon=True, name="webhook-deliveries")
    thread.start()
    print("webhook deliveries -> local worker (every 0.5 s; retries after 10 s, 30 s, 2 min, ...)", flush=True)
    return thread
