"""DST-correct next run times and Discord timestamp markup."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.time import discord_timestamp, next_daily_at, next_weekly_at


@pytest.mark.parametrize(
    ("zone", "now", "weekday", "at", "expected_utc"),
    [
        # Berlin: Monday 09:00 stays 09:00 local across the October change (CEST -> CET).
        ("Europe/Berlin", "2026-10-20T12:00", 0, "09:00", "2026-10-26T08:00"),
        ("Europe/Berlin", "2026-10-13T12:00", 0, "09:00", "2026-10-19T07:00"),
        # Spring: Sunday 02:30 does not exist on 2026-03-29; the first instant after the gap.
        ("Europe/Berlin", "2026-03-23T00:00", 6, "02:30", "2026-03-29T01:00"),
        # Fall back: Sunday 02:30 happens twice on 2026-10-25; the first one is used.
        ("Europe/Berlin", "2026-10-19T00:00", 6, "02:30", "2026-10-25T00:30"),
        # New York changes on other dates than Europe.
        ("America/New_York", "2026-03-02T00:00", 0, "09:00", "2026-03-02T14:00"),
        ("America/New_York", "2026-03-03T00:00", 0, "09:00", "2026-03-09T13:00"),
        # Southern hemisphere: Sydney leaves DST in April.
        ("Australia/Sydney", "2026-03-31T00:00", 0, "09:00", "2026-04-05T23:00"),
        # No DST at all.
        ("Asia/Kolkata", "2026-06-01T03:30", 0, "09:00", "2026-06-08T03:30"),
    ],
)
def test_next_weekly_at_keeps_local_time_across_dst(
    zone: str, now: str, weekday: int, at: str, expected_utc: str
) -> None:
    result = next_weekly_at(
        datetime.fromisoformat(now).replace(tzinfo=UTC),
        weekday,
        time.fromisoformat(at),
        ZoneInfo(zone),
    )
    assert result == datetime.fromisoformat(expected_utc).replace(tzinfo=UTC)


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    now=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    weekday=st.integers(0, 6),
    at=st.times(),
    zone=st.sampled_from(ZONES),
)
def test_next_weekly_at_is_the_next_matching_local_time(
    now: datetime, weekday: int, at: time, zone: str
) -> None:
    tz = ZoneInfo(zone)
    result = next_weekly_at(now, weekday, at.replace(microsecond=0), tz)
    assert now < result <= now + timedelta(days=7, hours=1)
    local = result.astimezone(tz)
    wall = at.replace(microsecond=0)
    if local.time() != wall:  # only when the wall time fell in a DST gap
        assert local.weekday() == weekday
        assert local.time() > wall
        assert (local - timedelta(hours=3)).utcoffset() != local.utcoffset() or (
            local - timedelta(minutes=30)
        ).utcoffset() != local.utcoffset()
    else:
        assert local.weekday() == weekday


@given(
    now=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    at=st.times(),
    zone=st.sampled_from(ZONES),
)
def test_next_daily_at_is_within_a_day(now: datetime, at: time, zone: str) -> None:
    result = next_daily_at(now, at.replace(microsecond=0), ZoneInfo(zone))
    assert now < result <= now + timedelta(days=1, hours=1)


def test_discord_timestamp_markup() -> None:
    instant = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)
    assert discord_timestamp(instant) == "<t:1796751000:F>"
    assert discord_timestamp(instant, "R") == "<t:1796751000:R>"
    with pytest.raises(ValueError, match="aware"):
        discord_timestamp(datetime(2026, 12, 8, 17, 30))
