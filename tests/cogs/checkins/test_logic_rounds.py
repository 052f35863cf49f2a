"""Tests for the check-in logic added with the feature: schedule checks, skips, streaks with
rounds missing, round capping, catch-up, embed fitting and stored question sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.checkins.logic import (
    DEFAULT_QUESTIONS,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    ConfigError,
    Question,
    RoundTimes,
    answers_text,
    cap_round_times,
    fit_fields,
    missing_permissions,
    next_prompt_at,
    prompt_should_post,
    questions_from_json,
    questions_to_json,
    round_times,
    validate_schedule,
)
from cogs.checkins.streaks import (
    MemberWeeks,
    member_streaks,
    skip_start_week,
    skip_weeks,
    streak_message,
    weeks_without_round,
)
from cogs.checkins.weeks import prompt_week, shift_week, week_key, week_number, weeks_between


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- schedule -------------------------------------------------------------------------------


@pytest.mark.parametrize(("close", "remind"), [(72, 24), (72, 0), (1, 0), (168, 167)])
def test_validate_schedule_accepts(close: int, remind: int) -> None:
    validate_schedule(close, remind)


@pytest.mark.parametrize(
    ("close", "remind", "message"),
    [
        (0, 0, "1 to 168"),
        (169, 24, "1 to 168"),
        (24, 24, "0 \\(no reminder\\) to 23"),
        (72, -1, "0 \\(no reminder\\) to 71"),
    ],
)
def test_validate_schedule_rejects(close: int, remind: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate_schedule(close, remind)


@pytest.mark.parametrize(
    ("instant", "zone", "week"),
    [
        (utc(2026, 11, 23, 8), "Europe/Berlin", "2026-W48"),
        # Sunday 23:30 UTC is already Monday in Berlin: the next week.
        (utc(2026, 11, 29, 23, 30), "Europe/Berlin", "2026-W49"),
        # Monday 03:00 UTC is still Sunday in New York.
        (utc(2026, 11, 30, 3), "America/New_York", "2026-W48"),
        # New Year's Day 2027 (a Friday) belongs to ISO week 53 of 2026.
        (utc(2027, 1, 1, 12), "Asia/Tokyo", "2026-W53"),
        (utc(2027, 1, 4, 0, 30), "Pacific/Auckland", "2027-W01"),
    ],
)
def test_prompt_week_is_the_local_iso_week(instant: datetime, zone: str, week: str) -> None:
    assert prompt_week(instant, zone) == week


def test_week_number() -> None:
    assert week_number("2026-W48") == 48
    assert week_number("2027-W01") == 1
    with pytest.raises(ValueError):
        week_number("2026-W54")


@pytest.mark.parametrize(
    ("due", "now", "closes", "posted"),
    [
        (utc(2026, 11, 23, 8), utc(2026, 11, 23, 8), utc(2026, 11, 26, 8), True),
        # On time, a round shorter than 12 hours is still posted.
        (utc(2026, 11, 23, 8), utc(2026, 11, 23, 8, 10), utc(2026, 11, 23, 14), True),
        # Missed (more than 15 minutes late): only with 12 hours left.
        (utc(2026, 11, 23, 8), utc(2026, 11, 23, 9), utc(2026, 11, 23, 14), False),
        (utc(2026, 11, 23, 8), utc(2026, 11, 25, 20), utc(2026, 11, 26, 8), True),
        (utc(2026, 11, 23, 8), utc(2026, 11, 25, 20, 1), utc(2026, 11, 26, 8), False),
        # Not due yet, or already over.
        (utc(2026, 11, 23, 8), utc(2026, 11, 23, 7), utc(2026, 11, 26, 8), False),
        (utc(2026, 11, 23, 8), utc(2026, 11, 26, 8), utc(2026, 11, 26, 8), False),
    ],
)
def test_prompt_should_post(due: datetime, now: datetime, closes: datetime, posted: bool) -> None:
    assert prompt_should_post(due, now, closes) is posted


def test_cap_round_times_closes_at_the_next_prompt() -> None:
    times = round_times(utc(2026, 11, 20, 12), 72, 24)
    assert cap_round_times(times, None) == times
    assert cap_round_times(times, utc(2026, 12, 1)) == times
    capped = cap_round_times(times, utc(2026, 11, 23, 8))
    assert capped == RoundTimes(utc(2026, 11, 20, 12), utc(2026, 11, 23, 8), utc(2026, 11, 22, 8))
    # The reminder would fall before the opening: dropped.
    early = cap_round_times(times, utc(2026, 11, 21, 6))
    assert early == RoundTimes(utc(2026, 11, 20, 12), utc(2026, 11, 21, 6), None)


def test_a_full_week_round_never_overlaps_the_next_prompt_across_dst() -> None:
    """168 h from 09:00 in spring is 10:00 local a week later; the cap ends it at 09:00."""
    zone = ZoneInfo("Europe/Berlin")
    prompt = next_prompt_at(utc(2026, 3, 25), 3, "09:00", zone)  # Thursday 26 March
    following = next_prompt_at(prompt, 3, "09:00", zone)
    assert following - prompt == timedelta(hours=167)
    capped = cap_round_times(round_times(prompt, 168, 24), following)
    assert capped.closes == following
    assert capped.reminder_at == following - timedelta(hours=24)


@given(
    opens=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    close=st.integers(1, 168),
    remind=st.integers(0, 167),
    gap=st.integers(0, 400),
)
def test_capped_rounds_stay_ordered(opens: datetime, close: int, remind: int, gap: int) -> None:
    start = opens.replace(tzinfo=UTC)
    times = cap_round_times(round_times(start, close, remind), start + timedelta(hours=gap))
    assert times.opens == start
    assert start <= times.closes <= start + timedelta(hours=close)
    assert times.reminder_at is None or start < times.reminder_at < times.closes


# --- weeks, skips and streaks ---------------------------------------------------------------


def test_weeks_between_crosses_the_year() -> None:
    assert weeks_between("2026-W52", "2027-W02") == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert weeks_between("2027-W02", "2026-W52") == []


@given(
    first=st.integers(0, 400),
    span=st.integers(0, 30),
    held=st.sets(st.integers(0, 30)),
)
def test_weeks_without_round_complements_the_rounds(first: int, span: int, held: set[int]) -> None:
    start = shift_week("2020-W01", first)
    last = shift_week(start, span)
    rounds = {shift_week(start, offset) for offset in held}
    missing = weeks_without_round(rounds, start, last)
    everything = set(weeks_between(start, last))
    assert missing <= everything
    assert missing.isdisjoint(rounds)
    assert missing | (rounds & everything) == everything


@pytest.mark.parametrize(
    ("closed", "answered", "start"),
    [
        (None, False, "2026-W48"),  # no round yet this week: skip it
        (False, False, "2026-W48"),  # open and unanswered: skip it
        (False, True, "2026-W49"),  # already answered: from next week
        (True, False, "2026-W49"),  # over: from next week
    ],
)
def test_skip_start_week(closed: bool | None, answered: bool, start: str) -> None:
    assert skip_start_week("2026-W48", closed, answered) == start


def test_skip_weeks() -> None:
    assert skip_weeks("2026-W52", 3) == ["2026-W52", "2026-W53", "2027-W01"]
    assert skip_weeks("2026-W52", 0) == []
    with pytest.raises(ValueError):
        skip_weeks("2026-W52", -1)


ROUNDS = [f"2026-W{n}" for n in (44, 45, 46, 48, 49)]  # no round in week 47 (bot down)


@pytest.mark.parametrize(
    ("answered", "skipped", "current", "is_open", "expected"),
    [
        ({44, 45, 46, 48, 49}, set(), 49, False, (5, 5)),
        # A week without a round neither breaks nor counts.
        ({45, 46, 48}, set(), 49, True, (3, 3)),
        ({45, 46, 48}, set(), 49, False, (0, 3)),
        # A skipped week keeps the streak.
        ({44, 46, 48, 49}, {45}, 49, False, (4, 4)),
        ({44, 46, 48, 49}, set(), 49, False, (3, 3)),
        # The current week has no round yet (its prompt comes later this week).
        ({48, 49}, set(), 50, False, (2, 2)),
        (set(), {44}, 49, True, (0, 0)),
    ],
)
def test_member_streaks(
    answered: set[int],
    skipped: set[int],
    current: int,
    is_open: bool,
    expected: tuple[int, int],
) -> None:
    record = MemberWeeks(
        frozenset(f"2026-W{n}" for n in answered), frozenset(f"2026-W{n}" for n in skipped)
    )
    assert member_streaks(record, ROUNDS, f"2026-W{current}", is_open) == expected


def test_streak_message() -> None:
    assert "starts with your next" in streak_message(0, None)
    assert streak_message(1, None) == "Your streak: **1 week** in a row."
    assert "4 weeks — a milestone" in streak_message(4, 4)


# --- embeds, stored questions, permissions --------------------------------------------------


@given(
    st.lists(st.tuples(st.text(max_size=400), st.text(max_size=3000)), min_size=1, max_size=12),
    st.integers(3000, 6000),
)
def test_fit_fields_respects_every_limit(pairs: list[tuple[str, str]], budget: int) -> None:
    fitted = fit_fields(pairs, budget)
    assert len(fitted) == len(pairs)
    assert sum(len(name) + len(value) for name, value in fitted) <= budget
    for name, value in fitted:
        assert 1 <= len(name) <= EMBED_FIELD_NAME_MAX
        assert 1 <= len(value) <= EMBED_FIELD_VALUE_MAX


def test_fit_fields_keeps_short_values_whole() -> None:
    assert fit_fields([("Week 48", "Short"), ("Week 47", "")]) == [
        ("Week 48", "Short"),
        ("Week 47", "—"),
    ]


def test_answers_text_leaves_out_empty_answers() -> None:
    text = answers_text(DEFAULT_QUESTIONS[:3], ["Oversight", "", "Read  two\npapers"])
    assert text == (
        "**Most important problems in your field**: Oversight\n"
        "**What you did this week**: Read two papers"
    )


def test_questions_json_round_trip_and_fallback() -> None:
    custom = (Question("One", "First?"), Question("Two", "Second?"))
    assert questions_from_json(questions_to_json(custom)) == custom
    for broken in (None, [], "text", [["only a label"]], [[1, 2]]):
        assert questions_from_json(broken) == DEFAULT_QUESTIONS


def test_missing_permissions_in_a_fixed_order() -> None:
    granted = {"read_messages": True, "send_messages": True, "read_message_history": True}
    assert missing_permissions(granted) == [
        "Embed Links",
        "Create Public Threads",
        "Send Messages in Threads",
    ]
    assert (
        missing_permissions(
            dict.fromkeys(granted, True)
            | {
                "embed_links": True,
                "create_public_threads": True,
                "send_messages_in_threads": True,
            }
        )
        == []
    )


def test_week_key_of_prompt_matches_week_key() -> None:
    instant = utc(2026, 11, 23, 8)
    assert prompt_week(instant, ZoneInfo("UTC")) == week_key(instant.date())
