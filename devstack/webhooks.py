"""Outgoing webhooks, locally: `make dev` runs the delivery worker in a thread (shared.webhooks.local), so an
endpoint registered on http://127.0.0.1:<port>/... gets the bus's events, retries included."""

from __future__ import annotations

import threading


def with_webhook_worker(stop: threading.Event) -> threading.Event:
    """Start the local delivery worker until `stop` is set (imported here, after make dev loaded `.env`)."""
    from shared.webhooks.local import start_local_worker

    start_local_worker(stop)
    return stop
