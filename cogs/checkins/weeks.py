"""ISO weeks, the check-ins' unit of time: keys like "2026-W48", shifting, ranges and titles.

Pure: no discord, no await. A week is the ISO week of a local date in the server's zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

_WEEK_KEY = re.compile(r"(\d{4})-W(\d{2})")


def week_key(local_date: date) -> str:
    """The ISO week of a local date, like "2026-W48" (ISO week-year, so 2027-01-01 is 2026-W53)."""
    iso = local_date.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def week_range(key: str) -> tuple[date, date]:
    """The Monday and Sunday of an ISO week key; ValueError if the key is not a real week."""
    match = _WEEK_KEY.fullmatch(key)
    if match is None:
        raise ValueError(f'"{key}" is not a week; weeks are written like "2026-W48".')
    year, week = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {week}.") from None
    return monday, monday + timedelta(days=6)


def shift_week(key: str, weeks: int) -> str:
    """The week `weeks` after `key` (before it when negative)."""
    monday, _ = week_range(key)
    return week_key(monday + timedelta(weeks=weeks))


def weeks_ending(last_week: str, count: int = 12) -> list[str]:
    """The `count` weeks up to and including `last_week`, oldest first."""
    return [shift_week(last_week, offset) for offset in range(1 - count, 1)]


def week_title(key: str) -> str:
    """A week for people: "Week 48 · Mon 23 Nov – Sun 29 Nov 2026"."""
    monday, sunday = week_range(key)
    week = int(key.rsplit("W", 1)[1])
    start = f"{monday:%a} {monday.day} {monday:%b}" + (
        f" {monday.year}" if monday.year != sunday.year else ""
    )
    return f"Week {week} · {start} – {sunday:%a} {sunday.day} {sunday:%b %Y}"


def week_number(key: str) -> int:
    """48 for "2026-W48"."""
    week_range(key)  # validates
    return int(key.rsplit("W", 1)[1])


def weeks_between(first: str, last: str) -> list[str]:
    """Every week from `first` to `last` inclusive, oldest first (empty if first > last)."""
    if first > last:
        return []
    week_range(first)
    week_range(last)
    result = [first]
    while result[-1] < last:
        result.append(shift_week(result[-1], 1))
    return result


def require_aware(instant: datetime, name: str) -> None:
    """ValueError unless `instant` is timezone-aware (every instant here is UTC)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def prompt_week(prompt_at: datetime, zone: str | tzinfo) -> str:
    """The week a prompt belongs to: the ISO week of its local date in the server's zone."""
    require_aware(prompt_at, "prompt_at")
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return week_key(prompt_at.astimezone(tz).date())
