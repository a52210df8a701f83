"""Clicks per link per day, as admins and partners read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.context import AppContext
from shared.core.errors import BadRequest
from shared.links.click_store import ClickRepository, DayCount

DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
"""A UTC day in the `from`/`to` query parameters of the clicks routes."""
DEFAULT_DAYS = 30
MAX_DAYS = 92


@dataclass(frozen=True)
class ClickReport:
    """A link's clicks over a range of days, every day listed (zero when nobody clicked); a day's clicks exclude
    bots, its unique visitors are distinct salted hashes of IP and user agent."""

    code: str
    first_day: str
    last_day: str
    days: list[DayCount]

    def to_json(self) -> dict[str, Any]:
        """The body of the clicks routes. Range uniques are visitor-days: visitors are not linked across days."""
        return {
            "code": self.code,
            "from": self.first_day,
            "to": self.last_day,
            "clicks": sum(d.clicks for d in self.days),
            "unique_visitors": sum(d.unique_visitors for d in self.days),
            "days": [{"day": d.day, "clicks": d.clicks, "unique_visitors": d.unique_visitors} for d in self.days],
        }


def day_range(today: date, first: str | None, last: str | None) -> tuple[date, date]:
    """The days asked for: `to` defaults to today, `from` to DEFAULT_DAYS before it; at most MAX_DAYS."""
    try:
        last_day = date.fromisoformat(last) if last else today
        first_day = date.fromisoformat(first) if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError as error:
        raise BadRequest("from and to must be dates like 2026-11-02", code="invalid_date") from error
    if first_day > last_day:
        raise BadRequest("from must not be after to", code="invalid_date_range")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise BadRequest(f"ask for at most {MAX_DAYS} days at a time", code="date_range_too_long")
    return first_day, last_day


def link_clicks(ctx: AppContext, code: str, first: str | None, last: str | None) -> ClickReport:
    """Clicks and unique visitors per day of an existing link (NotFound otherwise)."""
    ctx.links.get(code)
    first_day, last_day = day_range(ctx.clock.now().date(), first, last)
    counts = ClickRepository(ctx.table).daily_counts(code, first_day.isoformat(), last_day.isoformat())
    days = []
    for offset in range((last_day - first_day).days + 1):
        day = (first_day + timedelta(days=offset)).isoformat()
        days.append(counts.get(day) or DayCount(day, clicks=0, unique_visitors=0))
    return ClickReport(code, first_day.isoformat(), last_day.isoformat(), days)
