"""Time helpers shared by every feature: UTC inside, IANA zones at the edges, Discord markup out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.timeparse import localize

TimestampStyle = Literal["t", "T", "d", "D", "f", "F", "R"]


def discord_timestamp(instant: datetime, style: TimestampStyle = "F") -> str:
    """`<t:unix:F>`: Discord shows it in each reader's own time zone."""
    if instant.tzinfo is None:
        raise ValueError("discord_timestamp needs an aware datetime")
    return f"<t:{int(instant.timestamp())}:{style}>"


def zone_or_utc(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_weekly_at(now: datetime, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The next instant strictly after `now` whose local weekday/time in `zone` is as given.

    `weekday` is 0 for Monday. The local wall time stays fixed across DST changes; a wall
    time skipped by DST becomes the first instant after the gap, a repeated one the first.
    """
    local_now = now.astimezone(zone)
    days_ahead = (weekday - local_now.weekday()) % 7
    for extra_weeks in range(3):
        day = local_now.date() + timedelta(days=days_ahead + 7 * extra_weeks)
        candidate, _ = localize(datetime.combine(day, at), zone)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a weekly time always recurs within three weeks")


def next_daily_at(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The next instant strictly after `now` at local time `at` in `zone`."""
    local_now = now.astimezone(zone)
    for extra_days in range(3):
        day = local_now.date() + timedelta(days=extra_days)
        candidate, _ = localize(datetime.combine(day, at), zone)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a daily time always recurs within three days")


def iso_week_key(day: date) -> str:
    """`2026-W48`: the ISO week-year and week a local date falls in."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
