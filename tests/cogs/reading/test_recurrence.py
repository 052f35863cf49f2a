"""Repeating sessions: weekly, every other week and monthly on the nth weekday, DST-correct."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import DomainError
from cogs.reading.kinds import goal_prompt_default, headline, session_title
from cogs.reading.recurrence import (
    LAST,
    Recurrence,
    nth_weekday,
    ordinal_of,
    read_repeat,
    repeat_text,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("weekly", "weekly"),
        ("Every other week", "biweekly"),
        ("every-other-week", "biweekly"),
        ("biweekly", "biweekly"),
        ("monthly", "monthly"),
        (None, None),
        ("once", None),
    ],
)
def test_read_repeat(text: str | None, rule: str | None) -> None:
    assert read_repeat(text) == rule


def test_an_unknown_repeat_names_the_accepted_ones() -> None:
    with pytest.raises(DomainError, match="weekly, every other week"):
        read_repeat("daily")


@pytest.mark.parametrize(
    ("year", "month", "weekday", "ordinal", "expected"),
    [
        (2027, 1, 1, 1, date(2027, 1, 5)),  # first Tuesday of January 2027
        (2027, 2, 1, 1, date(2027, 2, 2)),
        (2027, 3, 1, 1, date(2027, 3, 2)),
        (2026, 12, 1, 3, date(2026, 12, 15)),
        (2027, 2, 0, LAST, date(2027, 2, 22)),  # last Monday of February
        (2026, 12, 3, LAST, date(2026, 12, 31)),
    ],
)
def test_nth_weekday(year: int, month: int, weekday: int, ordinal: int, expected: date) -> None:
    assert nth_weekday(year, month, weekday, ordinal) == expected


@pytest.mark.parametrize(
    ("rule", "first", "n", "expected"),
    [
        # Every other Tuesday 18:00 Berlin across the March 2027 change (CET -> CEST).
        ("biweekly", datetime(2027, 3, 16, 17, 0, tzinfo=UTC), 1, datetime(2027, 3, 30, 16, 0)),
        ("biweekly", datetime(2027, 3, 16, 17, 0, tzinfo=UTC), 2, datetime(2027, 4, 13, 16, 0)),
        # Weekly across the October 2026 change (CEST -> CET).
        ("weekly", datetime(2026, 10, 20, 16, 0, tzinfo=UTC), 1, datetime(2026, 10, 27, 17, 0)),
        # First Tuesday of the month at 18:00 Berlin.
        ("monthly", datetime(2026, 12, 1, 17, 0, tzinfo=UTC), 1, datetime(2027, 1, 5, 17, 0)),
        ("monthly", datetime(2026, 12, 1, 17, 0, tzinfo=UTC), 4, datetime(2027, 4, 6, 16, 0)),
        # The 29th is in the 5th week: the last Tuesday of each month.
        ("monthly", datetime(2026, 12, 29, 17, 0, tzinfo=UTC), 2, datetime(2027, 2, 23, 17, 0)),
        # 02:30 on 28 March 2027 doesn't exist in Berlin: the first valid time after the gap.
        ("weekly", datetime(2027, 3, 21, 1, 30, tzinfo=UTC), 1, datetime(2027, 3, 28, 1, 0)),
    ],
)
def test_occurrences_keep_the_wall_clock(
    rule: str, first: datetime, n: int, expected: datetime
) -> None:
    assert Recurrence(rule, first, BERLIN).start(n) == expected.replace(tzinfo=UTC)  # type: ignore[arg-type]


def test_first_after_and_the_description() -> None:
    series = Recurrence("biweekly", datetime(2027, 3, 16, 17, 0, tzinfo=UTC), BERLIN)
    assert series.first_after(datetime(2027, 3, 16, 17, 0, tzinfo=UTC)) == 1
    assert series.first_after(datetime(2027, 3, 1, tzinfo=UTC)) == 0
    assert repeat_text("biweekly", series.first_start, BERLIN) == (
        "every other Tuesday at 18:00 (Europe/Berlin)"
    )
    assert repeat_text("monthly", datetime(2026, 12, 1, 17, tzinfo=UTC), BERLIN) == (
        "on the first Tuesday of each month at 18:00 (Europe/Berlin)"
    )


ZONES = st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"])


@settings(max_examples=200, deadline=None)
@given(
    rule=st.sampled_from(["weekly", "biweekly", "monthly"]),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    zone=ZONES,
)
def test_every_occurrence_is_the_stated_weekday_and_time(
    rule: str, day: date, hour: int, minute: int, zone: str
) -> None:
    tz = ZoneInfo(zone)
    # A first start that exists on the wall clock (the gap hour is handled by the table test).
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return
    series = Recurrence(rule, local.astimezone(UTC), tz)  # type: ignore[arg-type]
    starts = [series.start(n) for n in range(14)]
    assert all(a < b for a, b in pairwise(starts))
    for n, start in enumerate(starts):
        seen = start.astimezone(tz)
        assert seen.weekday() == day.weekday()
        gap = seen.replace(tzinfo=None) != datetime.combine(seen.date(), local.time())
        # Only a time inside a spring-forward gap may move (to just after the gap).
        assert not gap or (seen.hour, seen.minute) > (hour, minute) or seen.hour < hour
        if rule == "monthly":
            assert ordinal_of(seen.date()) == ordinal_of(day) or (
                ordinal_of(day) == LAST and seen.date().month != (seen + timedelta(7)).month
            )
        elif n:
            weeks = 1 if rule == "weekly" else 2
            assert (seen.date() - starts[n - 1].astimezone(tz).date()).days == 7 * weeks


def test_titles_and_goal_defaults() -> None:
    assert session_title("reading", "ignored") is None
    assert session_title("coworking", "  Thesis   week ") == "Thesis week"
    with pytest.raises(DomainError, match="needs a `title:`"):
        session_title("talk", "  ")
    assert headline("sprint", "Grant draft") == "Writing sprint: Grant draft"
    assert goal_prompt_default("coworking", None) and not goal_prompt_default("talk", None)
    assert not goal_prompt_default("sprint", False)
