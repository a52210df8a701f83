"""What the fan-out accepts from the bus, what the worker does with a malformed wake-up, and the local queue's
timing (no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.webhooks.consumer import event_body
from shared.webhooks.queue import SQS_MAX_DELAY_SECONDS, LocalDeliveryQueue, SqsDeliveryQueue, delivery_queue
from shared.webhooks.worker import handle

EVENT = {"id": "evt_1", "type": "lead.created", "created": 1793613600, "partner_id": "ptr_1", "data": {}}


def test_a_domain_event_from_the_bus_is_accepted() -> None:
    assert event_body({"source": "referral-program", "detail-type": "lead.created", "detail": EVENT}) == EVENT


@pytest.mark.parametrize(
    "detail",
    [
        None,
        "a string",
        {**EVENT, "type": "lead.exploded"},
        {**EVENT, "id": 7},
        {**EVENT, "created": "yesterday"},
        {**EVENT, "created": True},
        {**EVENT, "partner_id": ["ptr_1"]},
    ],
)
def test_anything_else_is_dropped_not_retried(detail: object) -> None:
    assert event_body({"detail": detail}) is None


def test_a_malformed_wake_up_is_dropped_without_failing_the_batch() -> None:
    # Given an SQS batch whose message is not a wake-up
    batch = {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "r",
                "body": "not json",
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
        ]
    }
    # Then nothing is reported for redelivery (it could never become one)
    assert handle(batch, None) == {"batchItemFailures": []}


def test_the_local_queue_hands_out_wake_ups_when_due_and_earliest_first() -> None:
    queue, now = LocalDeliveryQueue(), datetime(2026, 11, 2, 10, tzinfo=UTC)
    queue.wake("later", 30, now)
    queue.wake("sooner", 10, now)
    assert queue.take_due(now) == []
    assert queue.take_due(now + timedelta(seconds=10)) == ["sooner"]
    assert queue.take_due(now + timedelta(hours=1)) == ["later"]
    assert queue.pending() == 0


def test_an_sqs_wake_up_is_delayed_at_most_900_seconds() -> None:
    sent: list[dict[str, object]] = []

    class StandInSqs:
        def send_message(self, **request: object) -> None:
            sent.append(request)

    queue = SqsDeliveryQueue("https://sqs.example/q", client=StandInSqs())
    queue.wake("whd_1", 28_800, datetime(2026, 11, 2, tzinfo=UTC))
    queue.wake("whd_2", 10, datetime(2026, 11, 2, tzinfo=UTC))
    assert [m["DelaySeconds"] for m in sent] == [SQS_MAX_DELAY_SECONDS, 10]
    assert sent[0]["MessageBody"] == '{"delivery_id": "whd_1"}'


def test_in_lambda_a_missing_queue_is_a_deployment_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "webhook-delivery")
    with pytest.raises(RuntimeError, match="WEBHOOK_QUEUE_URL"):
        delivery_queue(None)
    assert isinstance(delivery_queue("https://sqs.us-east-1.amazonaws.com/123456789012/q"), SqsDeliveryQueue)
