"""DynamoDB Streams, locally: DynamoDB Local keeps the table's stream; this poller reads it and invokes every
function of template.yaml that has a `DynamoDB` event source, with Lambda's event shape and retry behaviour
(a reported batch item failure is redelivered from that record on). `make dev` runs it in a thread; tests
call `drain()` to deliver everything written so far.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3

from devstack.dynamodb_local import make_local_client
from devstack.template import load_template

STREAM_VIEW = "NEW_AND_OLD_IMAGES"
Deliver = Callable[[str, dict[str, Any]], Any]


def stream_consumers() -> dict[str, int]:
    """Functions (folder names) with a DynamoDB stream event in template.yaml, and their batch sizes."""
    found: dict[str, int] = {}
    for resource in load_template()["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "DynamoDB":
                name = resource["Properties"]["CodeUri"].rstrip("/").rsplit("/", 1)[-1]
                found[name] = int(event["Properties"].get("BatchSize", 100))
    return found


def ensure_stream(client: Any, table_name: str) -> str:
    """The table's stream ARN, enabling NEW_AND_OLD_IMAGES first on a table created without one."""
    description = client.describe_table(TableName=table_name)["Table"]
    if not (description.get("StreamSpecification") or {}).get("StreamEnabled"):
        description = client.update_table(
            TableName=table_name, StreamSpecification={"StreamEnabled": True, "StreamViewType": STREAM_VIEW}
        )["TableDescription"]
    return str(description["LatestStreamArn"])


def streams_client_like(client: Any) -> Any:
    """A DynamoDB Streams client on the same endpoint and credentials as a DynamoDB client."""
    credentials = client._request_signer._credentials  # the local stack's dummy keys
    return boto3.client(
        "dynamodbstreams",
        endpoint_url=client.meta.endpoint_url,
        region_name=client.meta.region_name,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
    )


def _repair_empty(value: Any) -> Any:
    """botocore parses an empty map or list attribute (`{"M": {}}`) of a stream record into `{}`; Lambda
    delivers the JSON as DynamoDB wrote it. Put the (empty map) type back so the images deserialize."""
    if isinstance(value, dict):
        if not value:
            return {"M": {}}
        if "M" in value and isinstance(value["M"], dict):
            return {"M": {k: _repair_empty(v) for k, v in value["M"].items()}}
        if "L" in value and isinstance(value["L"], list):
            return {"L": [_repair_empty(v) for v in value["L"]]}
    return value


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: images repaired, the stream's ARN added."""
    change = dict(record.get("dynamodb") or {})
    for image in ("Keys", "NewImage", "OldImage"):
        if image in change:
            change[image] = {name: _repair_empty(v) for name, v in change[image].items()}
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())  # Lambda's JSON: epoch seconds
    return {**record, "dynamodb": change, "eventSourceARN": stream_arn}


class StreamPoller:
    """Reads every shard of a table's stream and delivers each batch to each consumer, in order per shard.

    Each consumer keeps its own position (as each Lambda event source mapping does). A batch answered with
    `batchItemFailures` is read again from the first failed record on the next poll."""

    def __init__(self, client: Any, table_name: str, deliver: Deliver, consumers: dict[str, int] | None = None) -> None:
        self.client = client
        self.stream_arn = ensure_stream(client, table_name)
        self.streams = streams_client_like(client)
        self.deliver = deliver
        self.consumers = stream_consumers() if consumers is None else consumers
        self._iterators: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()
        self.retrying = False  # the last poll had a batch item failure to redeliver

    def _shards(self) -> list[str]:
        shards, start = [], None
        while True:
            kwargs: dict[str, Any] = {"StreamArn": self.stream_arn}
            if start:
                kwargs["ExclusiveStartShardId"] = start
            description = self.streams.describe_stream(**kwargs)["StreamDescription"]
            shards += [s["ShardId"] for s in description.get("Shards", [])]
            start = description.get("LastEvaluatedShardId")
            if not start:
                return shards

    def _iterator(self, shard: str, **position: str) -> str | None:
        kind = "AT_SEQUENCE_NUMBER" if position else "TRIM_HORIZON"
        response = self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard, ShardIteratorType=kind, **position
        )
        return response.get("ShardIterator")

    def poll_once(self) -> int:
        """One read of every shard for every consumer; the number of records delivered."""
        delivered = 0
        with self._lock:
            self.retrying = False
            for shard in self._shards():
                for name, batch_size in self.consumers.items():
                    delivered += self._poll_shard(name, batch_size, shard)
        return delivered

    def _poll_shard(self, name: str, batch_size: int, shard: str) -> int:
        key = (name, shard)
        if key not in self._iterators:
            self._iterators[key] = self._iterator(shard)
        iterator = self._iterators[key]
        if iterator is None:
            return 0  # a closed shard read to its end
        response = self.streams.get_records(ShardIterator=iterator, Limit=batch_size)
        records = response.get("Records", [])
        self._iterators[key] = response.get("NextShardIterator")
        if not records:
            return 0
        event = {"Records": [lambda_record(r, self.stream_arn) for r in records]}
        result = self.deliver(name, event) or {}
        failures = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
        if failures:
            # Lambda retries from the first failed record (the ones after it come again too).
            self._iterators[key] = self._iterator(shard, SequenceNumber=min(failures, key=int))
            self.retrying = True  # not empty: those records come again on the next poll
            return 0
        return len(records)

    def drain(self, rounds: int = 50, settle: float = 0.05) -> int:
        """Deliver until two polls in a row, `settle` seconds apart, find nothing new (a record can reach the
        stream a moment after its write answered); bounded, so a consumer that keeps failing stops it."""
        total, empty = 0, 0
        for _ in range(rounds):
            delivered = self.poll_once()
            total += delivered
            empty = 0 if delivered or self.retrying else empty + 1
            if empty == 2:
                return total
            if not delivered:
                time.sleep(settle)
        return total

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Poll until `stop` is set (make dev's thread); a failing poll is reported and retried."""
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception as error:  # a dev loop keeps going, as Lambda's poller does
                print(f"stream poller: {error}", flush=True)
            stop.wait(interval)

    def start(self, stop: threading.Event) -> threading.Thread:
        """Run in a daemon thread until `stop` is set."""
        thread = threading.Thread(target=self.run, args=(stop,), daemon=True, name="stream-poller")
        thread.start()
        return thread


def with_stream_consumers(lambdas: Any, stop: threading.Event) -> threading.Event:
    """`make dev`: poll the local table's stream into the template's stream consumers until `stop` is set
    (returns `stop`, so the dev server wires it in the statement that creates it)."""
    consumers = stream_consumers()
    if consumers:
        client = make_local_client(os.environ["DYNAMODB_ENDPOINT"])
        StreamPoller(client, os.environ["TABLE_NAME"], lambdas.invoke, consumers).start(stop)
        print(f"table stream -> functions/{', functions/'.join(consumers)} (polled every 0.5 s)", flush=True)
    return stop
