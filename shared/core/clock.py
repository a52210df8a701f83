"""An injectable clock: production code asks a Clock for the time so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        """The frozen time."""
        return self._at

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. advance(days=31)."""
        self._at += timedelta(**delta)

    def set(self, at: datetime) -> None:
        """Jump to a given time."""
        self._at = at.astimezone(UTC)


def to_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z, sortable as a string (2026-11-23T09:00:00.000000Z)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    """Parse what to_iso wrote (or any ISO 8601 with an offset) into an aware UTC datetime."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without timezone: {text!r}")
    return parsed.astimezone(UTC)


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch, as DynamoDB's TTL attribute wants them."""
    return int(moment.timestamp())
