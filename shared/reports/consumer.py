"""The rollup function's batch: every record of a DynamoDB Stream batch counted once, failures reported
per record (Lambda retries from the first failed one, bisecting the batch on error)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from shared.context import get_context
from shared.core.observability import metrics
from shared.core.settings import PROGRAM_ID, TABLE_NAME, Settings
from shared.reports.store import ApplyOutcome
from shared.reports.stream import TableResolver, apply_record

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    from shared.core.dynamo import Table


class RollupsSettings(Settings):
    """The rollup consumer: only the table."""

    variables = (TABLE_NAME, PROGRAM_ID)
    secrets = ()


@functools.cache
def _processor() -> BatchProcessor:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType  # noqa: PLC0415

    return BatchProcessor(event_type=EventType.DynamoDBStreams)


_resolvers: list[TableResolver] = []


def _resolver(table: Table) -> TableResolver:
    # Per container and table object (a local stack restarted on another endpoint reuses the table's name):
    # link -> partner lookups are cached across batches.
    if not _resolvers or _resolvers[0].table is not table:
        _resolvers[:] = [TableResolver(table)]
    return _resolvers[0]


def count_record(record: DynamoDBRecord) -> None:
    """Count one stream record's item change in the rollups (a duplicate delivery counts nothing)."""
    ctx = get_context()
    outcome = apply_record(record.raw_event, ctx.table, _resolver(ctx.table), int(ctx.clock.now().timestamp()))
    if outcome is ApplyOutcome.DUPLICATE:
        metrics.add_metric(name="RollupRecordsRedelivered", unit=MetricUnit.Count, value=1)


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A DynamoDB Stream batch: `{"batchItemFailures": [...]}` names the records to retry."""
    from aws_lambda_powertools.utilities.batch import process_partial_response  # noqa: PLC0415

    _resolver(get_context().table).new_batch()
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=count_record, processor=_processor(), context=context
    )
