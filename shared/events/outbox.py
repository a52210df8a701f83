"""The transactional outbox: an event is one more `Put` in the transaction that changes the state it reports,
so the event exists if and only if the change does. The table's stream carries its INSERT to the publisher.

Item: `pk`/`sk` from `keys.event_key`, `entity` "OutboxEvent", `event_id`, `type` (the event type),
`partner_id`, `created` (unix seconds), `data` (a JSON string: no Decimal round trip), `expires_at` (TTL).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.core import keys
from shared.core.dynamo import Item, deserialize, serialize
from shared.core.ids import new_id
from shared.events.types import ALL

ENTITY = "OutboxEvent"
RETENTION = timedelta(days=7)
"""How long an outbox item stays in the table (TTL); the stream keeps its INSERT 24 hours."""


def new_event_id() -> str:
    """A new event id: `evt_` + 26 time-ordered random characters."""
    return new_id("evt")


def derived_event_id(*parts: str) -> str:
    """A deterministic event id for a change that a later write in the same instant may repeat: written again,
    the outbox item is overwritten (a MODIFY, which the publisher ignores), so the event is published once."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return "evt_" + base64.b32encode(digest).decode("ascii").lower()[:26]


def outbox_item(
    *, type: str, partner_id: str | None, data: Mapping[str, Any], now: datetime, event_id: str | None = None
) -> Item:
    """The outbox item of one event (plain values); `event_id` makes it deterministic when given."""
    if type not in ALL:
        raise ValueError(f"unknown event type {type!r}")
    created = int(now.timestamp())
    event_id = event_id or new_event_id()
    return {
        **keys.event_key(event_id),
        "entity": ENTITY,
        "event_id": event_id,
        "type": type,
        "partner_id": partner_id,
        "created": created,
        "data": json.dumps(data, separators=(",", ":"), sort_keys=True, default=str),
        keys.TTL_ATTRIBUTE: created + int(RETENTION.total_seconds()),
    }


def event_action(
    table_name: str,
    *,
    type: str,
    partner_id: str | None,
    data: Mapping[str, Any],
    now: datetime,
    event_id: str | None = None,
) -> dict[str, Any]:
    """ONE TransactWriteItems `Put` of an outbox item, to append to the transaction that makes the change.

    Unconditional on purpose: appended last, it never shifts the indexes of a transaction's other conditions;
    a deterministic id written twice is a MODIFY, which the publisher's filter (INSERT only) ignores."""
    item = outbox_item(type=type, partner_id=partner_id, data=data, now=now, event_id=event_id)
    return {"Put": {"TableName": table_name, "Item": serialize(item)}}


def is_outbox_action(action: Mapping[str, Any]) -> bool:
    """True for an action built by `event_action` (tests count them in a transaction)."""
    item = (action.get("Put") or {}).get("Item") or {}
    return item.get("entity") == {"S": ENTITY}


def event_of_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """The published event body of an outbox item (plain values): `id`, `type`, `created`, `partner_id`,
    `data` (parsed) — the outgoing webhook body plus `partner_id`."""
    return {
        "id": str(item["event_id"]),
        "type": str(item["type"]),
        "created": int(item["created"]),
        "partner_id": item.get("partner_id"),
        "data": json.loads(str(item.get("data") or "{}")),
    }


def event_of_image(image: Mapping[str, Any]) -> dict[str, Any]:
    """The event body of a stream record's NewImage (DynamoDB JSON)."""
    return event_of_item(deserialize(image))
