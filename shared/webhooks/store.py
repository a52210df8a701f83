"""The only code of outgoing webhooks that talks to DynamoDB: endpoints, deliveries, and the conditional writes
that make a delivery's state move one attempt at a time whatever the number of workers looking at it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.dynamo import EXISTS, NOT_EXISTS, ConditionFailed, Table
from shared.core.pagination import decode_cursor, encode_cursor, query_partition
from shared.webhooks.models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint


def replace_condition(
    expected_status: DeliveryStatus, expected_attempts: int
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(condition, names, values) of a delivery rewrite: only from the state the writer read, so two workers
    (or a worker and a replay) never both move it."""
    return (
        "#status = :expected_status AND attempt_count = :expected_attempts",
        {"#status": "status"},
        {":expected_status": expected_status.value, ":expected_attempts": expected_attempts},
    )


def claim_condition(now: datetime) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(condition, names, values) of taking the lease of a pending delivery nobody holds (or whose holder died)."""
    return (
        "#status = :pending AND attempt_count = :attempts AND "
        "(attribute_not_exists(lease_until) OR lease_until < :now)",
        {"#status": "status"},
        {":pending": DeliveryStatus.PENDING.value, ":now": to_iso(now)},
    )


class WebhookRepository:
    """Reads and writes endpoints and deliveries."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ endpoints
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """Store a new endpoint (its id is new: a collision is a bug, raised)."""
        self.table.put(endpoint.to_item(), condition=NOT_EXISTS)

    def endpoint(self, program_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        """An endpoint, or None."""
        item = self.table.get(keys.webhook_endpoint(program_id, endpoint_id), consistent=True)
        return WebhookEndpoint.from_item(item) if item else None

    def endpoints(self, program_id: str) -> list[WebhookEndpoint]:
        """Every endpoint of the program, oldest first (a program has a handful)."""
        partition, prefix = keys.webhook_endpoints_prefix(program_id)
        return [WebhookEndpoint.from_item(i) for i in query_partition(self.table, partition, prefix)]

    def save_endpoint(self, endpoint: WebhookEndpoint, *, expected_updated_at: datetime) -> bool:
        """Rewrite an endpoint unless someone changed it since it was read (False then)."""
        try:
            self.table.put(
                endpoint.to_item(),
                condition=f"{EXISTS} AND updated_at = :expected",
                values={":expected": to_iso(expected_updated_at)},
            )
        except ConditionFailed:
            return False
        return True

    # ------------------------------------------------------------ deliveries
    def create_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        """Store a new delivery; when one exists for the same (event, endpoint) that one is returned instead."""
        try:
            self.table.put(delivery.to_item(), condition=NOT_EXISTS)
        except ConditionFailed as error:
            if error.item:
                return WebhookDelivery.from_item(error.item)
            existing = self.delivery(delivery.delivery_id)
            if existing is None:  # pragma: no cover - the condition failed on an item that exists
                raise
            return existing
        return delivery

    def delivery(self, delivery_id: str) -> WebhookDelivery | None:
        """A delivery, read consistently (the worker decides on it), or None."""
        item = self.table.get(keys.webhook_delivery(delivery_id), consistent=True)
        return WebhookDelivery.from_item(item) if item else None

    def claim(self, delivery: WebhookDelivery, now: datetime, lease_until: datetime) -> bool:
        """Take the right to make the delivery's next attempt until `lease_until`; False when another worker holds
        it or the delivery moved on (a duplicate wake-up)."""
        condition, names, values = claim_condition(now)
        try:
            self.table.update(
                keys.webhook_delivery(delivery.delivery_id),
                "SET lease_until = :lease",
                condition=condition,
                names=names,
                values={**values, ":attempts": delivery.attempt_count, ":lease": to_iso(lease_until)},
            )
        except ConditionFailed:
            return False
        return True

    def replace(self, delivery: WebhookDelivery, *, expected_status: DeliveryStatus, expected_attempts: int) -> bool:
        """Write the delivery's new state (attempt logged, status, next attempt; the lease dropped) if it is still
        in the state it was read in; False otherwise."""
        condition, names, values = replace_condition(expected_status, expected_attempts)
        try:
            self.table.put(delivery.to_item(), condition=condition, names=names, values=values)
        except ConditionFailed:
            return False
        return True

    def make_due(self, delivery_id: str, now: datetime) -> bool:
        """Bring a pending delivery's next attempt forward to now (its lease, if any, is kept); False when it is
        no longer pending."""
        try:
            self.table.update(
                keys.webhook_delivery(delivery_id),
                "SET next_attempt_at = :now, updated_at = :now",
                condition="#status = :pending",
                names={"#status": "status"},
                values={":now": to_iso(now), ":pending": DeliveryStatus.PENDING.value},
            )
        except ConditionFailed:
            return False
        return True

    def deliveries_page(
        self, endpoint_id: str, *, limit: int, cursor: str | None, status: DeliveryStatus | None
    ) -> tuple[list[WebhookDelivery], str | None]:
        """One page of an endpoint's deliveries, newest first, optionally of one status."""
        extra: dict[str, Any] = {}
        if status is not None:
            extra = {"filter_expression": "#status = :status", "names": {"#status": "status"}}
        values: dict[str, Any] = {":pk": keys.webhook_deliveries_partition(endpoint_id)}
        if status is not None:
            values[":status"] = status.value
        items, last = self.table.query(
            "gsi1pk = :pk",
            values,
            index=keys.GSI1,
            forward=False,
            limit=limit,
            start_key=decode_cursor(cursor, expected_keys={"pk", "sk", "gsi1pk", "gsi1sk"}),
            **extra,
        )
        return [WebhookDelivery.from_item(i) for i in items], encode_cursor(last)

    def first_in_line(self, endpoint_id: str, partner_id: str | None) -> WebhookDelivery | None:
        """The unfinished delivery of the oldest event of a partner to an endpoint (per-partner order), or None."""
        items, _ = self.table.query(
            "gsi2pk = :pk",
            {":pk": keys.webhook_pending_partition(endpoint_id, partner_id)},
            index=keys.GSI2,
            limit=1,
        )
        return WebhookDelivery.from_item(items[0]) if items else None


def endpoint_is_enabled(endpoint: WebhookEndpoint | None) -> bool:
    """True for an endpoint that exists and is enabled."""
    return endpoint is not None and endpoint.status is EndpointStatus.ENABLED
