"""The notifier function's events: a domain event from the bus (EventBridge's envelope, the body in `detail`),
or the monthly schedule / a manual invoke `{"summary": "monthly", "month": "YYYY-MM"}`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.context import get_context
from shared.core.observability import logger
from shared.events.types import SOURCE
from shared.notifications import service

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    """Email for one bus event, or the monthly summaries; an unknown event is answered, not raised (a retry
    cannot help it). A failure to send raises, so Lambda retries the event (the sent-marker dedupes)."""
    if event.get("source") == SOURCE and isinstance(event.get("detail"), Mapping):
        detail = event["detail"]
        if not isinstance(detail.get("id"), str) or not detail["id"]:
            return {"error": {"code": "invalid_event", "message": "a bus event's detail needs its id"}}
        outcome = service.notify(get_context(), detail)
        logger.info(
            "partner email", extra={"event_id": detail.get("id"), "type": detail.get("type"), "outcome": outcome}
        )
        return {"outcome": outcome}
    if event.get("summary") == "monthly":
        month = event.get("month")
        if month is not None and not (isinstance(month, str) and _MONTH.match(month)):
            return {"error": {"code": "invalid_month", "message": "month must be YYYY-MM"}}
        run = service.send_monthly_summaries(get_context(), month)
        logger.info("monthly summaries", extra={"month": run.month, "sent": run.sent, "duplicate": run.duplicate})
        return {"month": run.month, "sent": run.sent, "duplicate": run.duplicate, "unsubscribed": run.unsubscribed,
                "needs_attention": run.needs_attention}  # fmt: skip
    return {"error": {"code": "unknown_event", "message": "expected a referral-program bus event or a summary run"}}
