"""Monthly payout run (placeholder until the payouts issue lands)."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduler or manual invoke with {"period": "YYYY-MM"}."""
    return {"status": "not_implemented", "period": event.get("period")}
