"""The payout function: EventBridge Scheduler (no period: the previous month), a manual invoke with
{"period": "YYYY-MM", "dry_run": bool, "shard": n}, or an SQS batch of shard messages.

With PAYOUT_SHARD_QUEUE_URL set (in AWS) a whole-period run dispatches one message per payable shard and the
same function pays each shard as a queue worker; without it (locally) one invocation pays every shard.
Every outcome publishes a metric: the run's counts per outcome, a preview, a dispatch or a rejected payload.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from shared.context import AppContext, get_context
from shared.core import keys
from shared.core.errors import DomainError
from shared.core.observability import logger, metrics
from shared.payouts.rules import ensure_period_ended
from shared.payouts.run import Invocation, PayoutRun, RunSummary, parse_invocation, scheduled_period
from shared.payouts.transfers import StripeTransfers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

SQS_BATCH_SIZE = 10  # SendMessageBatch's limit


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Pay, preview or dispatch a period; or pay the shards of an SQS batch (partial failures reported)."""
    if isinstance(event, dict) and "Records" in event:
        from aws_lambda_powertools.utilities.batch import process_partial_response  # noqa: PLC0415 - see _processor

        return process_partial_response(  # type: ignore[return-value]
            event=event, record_handler=_pay_shard_record, processor=_processor(), context=context
        )
    ctx = get_context()
    try:
        invocation = _invocation(ctx, event)
        if invocation.dry_run:
            metrics.add_metric(name="PayoutPreviews", unit=MetricUnit.Count, value=1)
            return {"status": "preview", **_runner(ctx, paying=False).preview(invocation.period)}
        # A month that has not ended is refused before any shard is dispatched.
        ensure_period_ended(invocation.period, ctx.clock.now(), ctx.settings.payout_timezone)
        queue_url = ctx.settings.payout_shard_queue_url
        if queue_url and invocation.shard is None:
            dispatch_shards(queue_url, invocation.period)
            metrics.add_metric(name="PayoutShardsDispatched", unit=MetricUnit.Count, value=keys.PAYABLE_SHARDS)
            return {"status": "dispatched", "period": invocation.period, "shards": keys.PAYABLE_SHARDS}
        summary = _runner(ctx, paying=True).run(invocation.period, _shards(invocation))
        _publish(summary)
        return {"status": "done", **summary.as_json()}
    except DomainError as error:
        # A bad manual payload is the operator's to fix: a clear result, not a crash the scheduler retries.
        metrics.add_metric(name="PayoutInvocationRejected", unit=MetricUnit.Count, value=1)
        return {"status": "error", "error": {"code": error.code, "message": error.message}}


def dispatch_shards(queue_url: str, period: str) -> None:
    """One message per payable shard: shards hold disjoint partners, and each worker's run is resumable."""
    sqs = boto3.client("sqs")
    for start in range(0, keys.PAYABLE_SHARDS, SQS_BATCH_SIZE):
        entries = [
            {"Id": str(shard), "MessageBody": json.dumps({"period": period, "shard": shard})}
            for shard in range(start, min(start + SQS_BATCH_SIZE, keys.PAYABLE_SHARDS))
        ]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


@functools.cache
def _processor() -> BatchProcessor:
    # Imported with the first SQS batch: the batch utilities (~15 ms, pydantic event models) are not on the
    # cold path of a scheduled or manual run.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType  # noqa: PLC0415

    return BatchProcessor(event_type=EventType.SQS)


def _pay_shard_record(record: SQSRecord) -> None:
    ctx = get_context()
    invocation = _invocation(ctx, json.loads(record.body))
    summary = _runner(ctx, paying=True).run(invocation.period, _shards(invocation))
    _publish(summary)
    logger.info("payout shard done", extra={"shard": invocation.shard, "summary": summary.as_json()})


def _invocation(ctx: AppContext, event: dict[str, Any]) -> Invocation:
    return parse_invocation(event, scheduled_period(ctx, ctx.settings.payout_timezone))


def _shards(invocation: Invocation) -> list[int] | None:
    return [invocation.shard] if invocation.shard is not None else None


def _runner(ctx: AppContext, *, paying: bool) -> PayoutRun:
    return PayoutRun(ctx, StripeTransfers.from_env() if paying else None, timezone=ctx.settings.payout_timezone)


def _publish(summary: RunSummary) -> None:
    for outcome, count in summary.as_json().items():
        if isinstance(count, int):  # the counts per outcome (not the period, not the amounts)
            metrics.add_metric(name=f"Payouts_{outcome}", unit=MetricUnit.Count, value=count)
