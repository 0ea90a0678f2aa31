"""Wall-clock instants in the programme's time zone, the same across DST changes and years.

A reminder is due at a local hour on a local date (09:00 in Brussels); the instant is built
with `zoneinfo`, so it stays 09:00 local on both sides of the last Sunday of March and
October. Sweeps work on half-open windows of instants `(start, end]`, so every due instant
falls in exactly one window however the ticks land.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_at(day: dt.date, hour: int, tz: ZoneInfo) -> datetime:
    """`hour`:00 on `day` in `tz`; an hour skipped by DST resolves to the instant after it."""
    wall = datetime.combine(day, time(hour), tzinfo=tz)
    # a wall time that does not exist (spring forward) comes back changed from a UTC round trip
    return wall.astimezone(dt.UTC).astimezone(tz)


def last_at_hour(now: datetime, hour: int, tz: ZoneInfo) -> datetime:
    """The latest `hour`:00 in `tz` at or before `now`."""
    today = now.astimezone(tz).date()
    instant = local_at(today, hour, tz)
    return instant if instant <= now else local_at(today - timedelta(days=1), hour, tz)


def end_of_day(day: dt.date, tz: ZoneInfo) -> datetime:
    """The first instant after `day` in `tz` (exclusive end)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def days_at_hour_in(start: datetime, end: datetime, hour: int, tz: ZoneInfo) -> list[dt.date]:
    """Local dates whose `hour`:00 falls in the window `(start, end]`."""
    if end <= start:
        return []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    found = []
    while day <= last:
        if start < local_at(day, hour, tz) <= end:
            found.append(day)
        day += timedelta(days=1)
    return found


def in_window(instant: datetime, start: datetime, end: datetime) -> bool:
    return start < instant <= end


def iso_week(day: dt.date) -> str:
    """`2026-W53`: the ISO year and week, which at a year end may differ from `day.year`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def long_day(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_when(instant: datetime, tz: ZoneInfo) -> str:
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"
