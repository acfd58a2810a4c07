"""Dates in the user's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def end_of_day(day: date) -> datetime:
    """The last moment of `day` in UTC: nothing published later is known on that day."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def local_date(moment: datetime | None, timezone: str) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment.time() == time(0):
        return moment.date()  # a date-only value: its calendar day, in no timezone
    return moment.astimezone(ZoneInfo(timezone)).date()


def as_date(value) -> date | None:
    """A calendar day from a date, a datetime or an ISO string (stored rows hold all three)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
