"""Wake-ups of the delivery worker: "look at delivery X in N seconds".

In AWS an SQS message with a per-message delay (at most 900 s; a longer wait is a chain of wake-ups, the worker
re-sending until the delivery is due). Locally (no `WEBHOOK_QUEUE_URL` setting) an in-process queue that `make dev`'s
delivery thread and the tests' `drain` empty. A wake-up carries only the delivery id: the delivery item is the
truth, so a lost, duplicated or early wake-up never changes what is sent.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
import threading
from datetime import datetime, timedelta
from typing import Any, Protocol

import boto3

from shared.core.settings import SettingsError, in_lambda

SQS_MAX_DELAY_SECONDS = 900


class DeliveryQueue(Protocol):
    """Where wake-ups go."""

    def wake(self, delivery_id: str, delay_seconds: int, now: datetime) -> None:
        """Have the worker look at the delivery in `delay_seconds` (capped where the queue caps it)."""
        ...


class SqsDeliveryQueue:
    """The deliveries queue of the stack (SQS, DelaySeconds per message)."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self.client = client or boto3.client("sqs")

    def wake(self, delivery_id: str, delay_seconds: int, now: datetime) -> None:
        """One message; the worker re-sends it while the delivery is not yet due (waits over 900 s)."""
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=json.dumps({"delivery_id": delivery_id}),
            DelaySeconds=max(0, min(int(delay_seconds), SQS_MAX_DELAY_SECONDS)),
        )


class LocalDeliveryQueue:
    """The local stack's queue: wake-ups in memory, due by the caller's clock (tests move a fixed clock)."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, str]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def wake(self, delivery_id: str, delay_seconds: int, now: datetime) -> None:
        """Queue a wake-up at now + delay (no cap: nothing to chain locally)."""
        with self._lock:
            heapq.heappush(self._heap, (now + timedelta(seconds=max(0, delay_seconds)), next(self._order), delivery_id))

    def take_due(self, now: datetime) -> list[str]:
        """Remove and return the wake-ups due at `now`, earliest first."""
        taken = []
        with self._lock:
            while self._heap and self._heap[0][0] <= now:
                taken.append(heapq.heappop(self._heap)[2])
        return taken

    def pending(self) -> int:
        """How many wake-ups wait."""
        with self._lock:
            return len(self._heap)

    def clear(self) -> None:
        """Forget every wake-up (a test starts clean)."""
        with self._lock:
            self._heap.clear()


LOCAL_QUEUE = LocalDeliveryQueue()
"""The one local queue: the functions of the local stack all run in one process."""


@functools.cache
def _sqs_queue(queue_url: str) -> SqsDeliveryQueue:
    return SqsDeliveryQueue(queue_url)


def delivery_queue(queue_url: str | None) -> DeliveryQueue:
    """The queue of this environment: SQS at `queue_url` (the WEBHOOK_QUEUE_URL setting), else the local one
    (never in Lambda: there a missing URL is a deployment error)."""
    if queue_url:
        return _sqs_queue(queue_url)
    if in_lambda():
        raise SettingsError("WEBHOOK_QUEUE_URL is not set: webhook deliveries would never be attempted")
    return LOCAL_QUEUE
