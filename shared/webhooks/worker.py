"""The delivery worker: each SQS message wakes one delivery up (shared.webhooks.service.attempt decides what its
state calls for). A message whose handling raises is reported as a batch item failure and comes back."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from shared.context import get_context
from shared.core.observability import logger
from shared.webhooks import service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


@functools.cache
def _processor() -> BatchProcessor:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType  # noqa: PLC0415

    return BatchProcessor(event_type=EventType.SQS)


def wake_up(record: SQSRecord) -> None:
    """Handle one wake-up message `{"delivery_id": ...}`; a malformed one is logged and dropped."""
    try:
        delivery_id = json.loads(record.body)["delivery_id"]
    except (ValueError, KeyError, TypeError):
        logger.warning("malformed webhook wake-up dropped", extra={"message_id": record.message_id})
        return
    if not isinstance(delivery_id, str):
        return
    service.attempt(get_context(), delivery_id)


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An SQS batch of wake-ups: `{"batchItemFailures": [...]}` names the messages to redeliver."""
    from aws_lambda_powertools.utilities.batch import process_partial_response  # noqa: PLC0415

    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=wake_up, processor=_processor(), context=context
    )
