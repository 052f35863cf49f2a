"""When a member's DM prompt is due (cogs/checkins/dm_times.py): the table and its invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timeparse import localize
from cogs.checkins.dm_times import dm_prompt_due, dm_prompt_sendable

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 23 Nov 2026, 09:00 in Berlin; the default round: 72 h, reminder 24 h before the close.
OPENS = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
REMINDER = OPENS + timedelta(hours=48)
NINE = time(9, 0)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("case", "opens", "limit", "at", "zone", "server", "due"),
    [
        ("same zone: at the opening", OPENS, REMINDER, NINE, "Europe/Berlin", BERLIN, OPENS),
        (
            "west: later the same day",
            OPENS,
            REMINDER,
            NINE,
            "America/Los_Angeles",
            BERLIN,
            utc(2026, 11, 23, 17, 0),
        ),
        (
            "east: its morning has passed, so the next one",
            OPENS,
            REMINDER,
            NINE,
            "Asia/Tokyo",
            BERLIN,
            utc(2026, 11, 24, 0, 0),
        ),
        (
            "west, but after the reminder: at the opening",
            OPENS,
            utc(2026, 11, 23, 14, 0),
            NINE,
            "America/Los_Angeles",
            BERLIN,
            OPENS,
        ),
        (
            "exactly at the limit counts as after it",
            OPENS,
            utc(2026, 11, 23, 17, 0),
            NINE,
            "America/Los_Angeles",
            BERLIN,
            OPENS,
        ),
        (
            "east, no reminder and a 12 h round: at the opening",
            OPENS,
            OPENS + timedelta(hours=12),
            NINE,
            "Asia/Tokyo",
            BERLIN,
            OPENS,
        ),
        (
            "Berlin member after the October change: 09:00 CET, not CEST",
            utc(2026, 10, 24, 13, 0),  # Saturday 09:00 in New York (EDT)
            utc(2026, 10, 26, 13, 0),
            NINE,
            "Europe/Berlin",
            ZoneInfo("America/New_York"),
            utc(2026, 10, 25, 8, 0),
        ),
        (
            "New York member in the March gap: 02:30 does not exist, so 03:00 EDT",
            utc(2026, 3, 8, 2, 30),  # Sunday 02:30 UTC
            utc(2026, 3, 10, 2, 30),
            time(2, 30),
            "America/New_York",
            ZoneInfo("UTC"),
            utc(2026, 3, 8, 7, 0),
        ),
        (
            "a member a day behind gets it on the prompt's date, not the day before",
            utc(2026, 11, 22, 19, 0),  # Monday 09:00 in Kiritimati (UTC+14)
            utc(2026, 11, 25, 19, 0),
            NINE,
            "Pacific/Pago_Pago",  # UTC-11: still Sunday 08:00 there
            ZoneInfo("Pacific/Kiritimati"),
            utc(2026, 11, 23, 20, 0),  # Monday 09:00 in Pago Pago
        ),
    ],
)
def test_due_time_table(
    case: str,
    opens: datetime,
    limit: datetime,
    at: time,
    zone: str,
    server: ZoneInfo,
    due: datetime,
) -> None:
    assert dm_prompt_due(opens, opens, limit, at, ZoneInfo(zone), server) == due, case


@pytest.mark.parametrize(
    ("case", "opened", "zone", "due"),
    [
        (
            "same zone, caught up 3 h late: at the opening",
            OPENS + timedelta(hours=3),
            "Europe/Berlin",
            OPENS + timedelta(hours=3),
        ),
        (
            "west, caught up 3 h late: still their own morning",
            OPENS + timedelta(hours=3),
            "America/Los_Angeles",
            utc(2026, 11, 23, 17, 0),
        ),
        (
            "west, caught up after their morning: at the opening",
            utc(2026, 11, 23, 18, 0),
            "America/Los_Angeles",
            utc(2026, 11, 23, 18, 0),
        ),
        (
            "east: the next morning, as on time",
            OPENS + timedelta(hours=3),
            "Asia/Tokyo",
            utc(2026, 11, 24, 0, 0),
        ),
    ],
)
def test_a_round_caught_up_late_counts_from_when_it_was_planned(
    case: str, opened: datetime, zone: str, due: datetime
) -> None:
    assert dm_prompt_due(OPENS, opened, REMINDER, NINE, ZoneInfo(zone), BERLIN) == due, case


def test_a_dm_prompt_is_sendable_only_before_the_reminder() -> None:
    assert dm_prompt_sendable(REMINDER - timedelta(seconds=1), REMINDER)
    assert not dm_prompt_sendable(REMINDER, REMINDER)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        dm_prompt_due(OPENS.replace(tzinfo=None), OPENS, REMINDER, NINE, BERLIN, BERLIN)


ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kathmandu",  # a 45-minute offset
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/Santiago",
]


@settings(max_examples=400, deadline=None)
@given(
    opens=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 1, 1)),
    at=st.times(),
    zone=st.sampled_from(ZONES),
    server=st.sampled_from(ZONES),
    open_hours=st.integers(1, 168),
    data=st.data(),
)
def test_due_is_inside_the_window_and_the_members_first_local_prompt_time(
    opens: datetime,
    at: time,
    zone: str,
    server: str,
    open_hours: int,
    data: st.DataObject,
) -> None:
    """Always within [opens, limit); the member's own prompt time unless none comes in time."""
    planned = opens.replace(tzinfo=UTC)
    # On time, or caught up late after downtime (a round is only caught up with 12 h left).
    opens = planned + timedelta(minutes=data.draw(st.sampled_from([0, 0, 5, 90, 600])))
    limit = opens + timedelta(hours=data.draw(st.integers(1, open_hours)))
    member, server_zone = ZoneInfo(zone), ZoneInfo(server)
    due = dm_prompt_due(planned, opens, limit, at, member, server_zone)
    assert opens <= due < limit
    prompt_date = planned.astimezone(server_zone).date()

    def prompt_time_on(day: date) -> datetime:
        return localize(datetime.combine(day, at), member)[0]

    # Every instant in [opens, limit) at which the member's clock shows the prompt time (or
    # the end of a DST gap that swallowed it), on the prompt's date or later.
    first_local = planned.astimezone(member).date()
    qualifying = [
        instant
        for day in (first_local + timedelta(days=d) for d in range(-1, 10))
        if day >= prompt_date and planned <= (instant := prompt_time_on(day))
    ]
    first = max(min(qualifying), opens)  # one missed while the round was late: at the opening
    if first < limit:
        assert due == first  # the first one, never a later morning
        assert due == opens or due.astimezone(member).date() >= prompt_date
    else:
        assert due == opens  # none in time: at the opening
