"""Monthly payout run: EventBridge Scheduler (no period: the previous month), a manual invoke with
{"period": "YYYY-MM", "dry_run": bool}, or one SQS message per payable shard when PAYOUT_SHARD_QUEUE_URL is
set (the dispatcher fans out; the same code pays each shard as a queue worker).
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.context import AppContext
from shared.core import keys
from shared.core.errors import DomainError
from shared.core.observability import logger, metrics, tracer
from shared.payouts.run import PayoutRun, parse_invocation, scheduled_period
from shared.payouts.transfers import StripeTransfers

_processor = BatchProcessor(event_type=EventType.SQS)
_context: AppContext | None = None


def _ctx() -> AppContext:
    global _context  # noqa: PLW0603 - one context per Lambda container
    if _context is None:
        _context = AppContext.from_env()
    return _context


def _timezone() -> str:
    return os.environ.get("PAYOUT_TIMEZONE") or "UTC"


def _runner(*, paying: bool) -> PayoutRun:
    return PayoutRun(_ctx(), StripeTransfers.from_env() if paying else None, timezone=_timezone())


def _pay_shard_record(record: SQSRecord) -> None:
    body = json.loads(record.body)
    invocation = parse_invocation(body, scheduled_period(_ctx(), _timezone()))
    summary = _runner(paying=True).run(invocation.period, [invocation.shard] if invocation.shard is not None else None)
    logger.info("payout shard done", extra={"shard": invocation.shard, "summary": summary.as_json()})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduler/manual invoke, or an SQS batch of shard messages."""
    if isinstance(event, dict) and "Records" in event:
        return process_partial_response(  # type: ignore[return-value]
            event=event, record_handler=_pay_shard_record, processor=_processor, context=context
        )
    try:
        invocation = parse_invocation(event, scheduled_period(_ctx(), _timezone()))
        if invocation.dry_run:
            return {"status": "preview", **_runner(paying=False).preview(invocation.period)}
        queue_url = os.environ.get("PAYOUT_SHARD_QUEUE_URL")
        if queue_url and invocation.shard is None:
            # One message per shard: shards hold disjoint partners, each worker run is resumable.
            sqs = boto3.client("sqs")
            for start in range(0, keys.PAYABLE_SHARDS, 10):
                entries = [
                    {"Id": str(shard), "MessageBody": json.dumps({"period": invocation.period, "shard": shard})}
                    for shard in range(start, min(start + 10, keys.PAYABLE_SHARDS))
                ]
                sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
            return {"status": "dispatched", "period": invocation.period, "shards": keys.PAYABLE_SHARDS}
        shards = [invocation.shard] if invocation.shard is not None else None
        summary = _runner(paying=True).run(invocation.period, shards)
        return {"status": "done", **summary.as_json()}
    except DomainError as error:
        # A bad manual payload is the operator's to fix: a clear result, not a crash the scheduler retries.
        return {"status": "error", "error": {"code": error.code, "message": error.message}}
