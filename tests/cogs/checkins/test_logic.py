"""Tests for the pure check-in logic: questions, weeks, schedule, streaks, modals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.checkins.logic import (
    ANSWER_MAX,
    DEFAULT_QUESTIONS,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_TOTAL_MAX,
    REQUIRED_INDICES,
    AnswerError,
    ConfigError,
    Question,
    RoundTimes,
    answer_embed_fields,
    next_prompt_at,
    parse_question_fields,
    placeholders,
    prefill_values,
    prompt_is_catchable,
    question_field_value,
    round_times,
    truncate_placeholder,
    validate_answers,
    validate_questions,
)
from cogs.checkins.logic import parse_24h_time as parse_hhmm
from cogs.checkins.participation import WeekParticipation, participation
from cogs.checkins.streaks import is_milestone, longest_streak, milestone_reached, streak
from cogs.checkins.weeks import shift_week, week_key, week_range, week_title, weeks_ending


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- Questions ------------------------------------------------------------------------------


def test_default_questions_are_valid() -> None:
    """The defaults pass their own validation unchanged."""
    assert validate_questions(DEFAULT_QUESTIONS) == DEFAULT_QUESTIONS
    assert len(DEFAULT_QUESTIONS) == 5


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([], "1 to 5 questions"),
        ([Question(f"L{i}", "Q?") for i in range(6)], "1 to 5 questions"),
        ([Question("   ", "Q?")], "has no label"),
        ([Question("x" * 46, "Q?")], "at most 45"),
        ([Question("Label", "")], "no question text"),
        ([Question("Label", "q" * 101)], "at most 100"),
        ([Question("Same", "A?"), Question("same", "B?")], "share the label"),
    ],
)
def test_validate_questions_rejects(questions: list[Question], message: str) -> None:
    """Each broken question set is refused with a plain explanation."""
    with pytest.raises(ConfigError, match=message):
        validate_questions(questions)


def test_validate_questions_accepts_limits_and_tidies_spaces() -> None:
    """Exactly 45/100 characters pass; surrounding and repeated spaces go."""
    result = validate_questions([Question(" " + "x" * 45 + " ", "q" * 100), Question("a  b", "c")])
    assert result == (Question("x" * 45, "q" * 100), Question("a b", "c"))


def test_config_errors_are_value_errors() -> None:
    """Callers catching ValueError see configuration errors too."""
    assert issubclass(ConfigError, ValueError)
    assert issubclass(AnswerError, ValueError)


def test_parse_question_fields_round_trips_defaults() -> None:
    """Pre-filled edit-modal fields parse back to the same questions."""
    fields = [question_field_value(q) for q in DEFAULT_QUESTIONS]
    assert parse_question_fields(fields) == DEFAULT_QUESTIONS


def test_parse_question_fields_skips_empty_and_joins_lines() -> None:
    """Empty fields drop a question; wrapped lines join; only the first bar splits."""
    fields = ["Reading | What did you\n  read this week?", "", "  ", "Odd | Is a|b ok?"]
    assert parse_question_fields(fields) == (
        Question("Reading", "What did you read this week?"),
        Question("Odd", "Is a|b ok?"),
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["Just a question?"], r"Field 1 has no `\|`"),
        (["A | B?", " | Question?"], "Field 2 has nothing before"),
        (["A | B?", "", "Label |  "], "Field 3 has nothing after"),
        (["", " ", ""], "All fields are empty"),
        (["A | B?"] * 6, "At most 5"),
        (["A | B?", "a | C?"], "share the label"),
        (["x" * 46 + " | Q?"], "at most 45"),
    ],
)
def test_parse_question_fields_rejects(fields: list[str], message: str) -> None:
    """Malformed modal text is refused, naming the field and the accepted form."""
    with pytest.raises(ConfigError, match=message):
        parse_question_fields(fields)


# --- Weeks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "key"),
    [
        (date(2026, 11, 26), "2026-W48"),
        (date(2026, 12, 31), "2026-W53"),
        (date(2027, 1, 1), "2026-W53"),
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
        (date(2020, 12, 31), "2020-W53"),
        (date(2021, 1, 3), "2020-W53"),
        (date(2021, 1, 4), "2021-W01"),
        (date(2024, 12, 30), "2025-W01"),
        (date(2016, 1, 3), "2015-W53"),
    ],
)
def test_week_key_uses_iso_week_year(day: date, key: str) -> None:
    """Dates around New Year belong to the ISO week-year, including 53-week years."""
    assert week_key(day) == key


@pytest.mark.parametrize(
    ("key", "monday", "sunday"),
    [
        ("2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
        ("2025-W01", date(2024, 12, 30), date(2025, 1, 5)),
    ],
)
def test_week_range(key: str, monday: date, sunday: date) -> None:
    """A week key spans Monday to Sunday, across year ends too."""
    assert week_range(key) == (monday, sunday)


@pytest.mark.parametrize("key", ["2021-W53", "2026-W00", "2026-W54", "2026-48", "2026-W5", ""])
def test_week_range_rejects_non_weeks(key: str) -> None:
    """Keys that name no real week raise ValueError."""
    with pytest.raises(ValueError):
        week_range(key)


def test_shift_week_and_weeks_ending_cross_year() -> None:
    """Week arithmetic walks over a 53-week year end."""
    assert shift_week("2026-W53", 1) == "2027-W01"
    assert shift_week("2027-W01", -2) == "2026-W52"
    assert weeks_ending("2027-W01", 3) == ["2026-W52", "2026-W53", "2027-W01"]
    assert len(weeks_ending("2026-W48")) == 12


def test_week_title() -> None:
    """Titles give the week number and its dates, with both years across New Year."""
    assert week_title("2026-W48") == "Week 48 · Mon 23 Nov – Sun 29 Nov 2026"
    assert week_title("2020-W53") == "Week 53 · Mon 28 Dec 2020 – Sun 3 Jan 2021"


@given(st.dates())
def test_week_key_round_trips(day: date) -> None:
    """Every date lies in the Monday–Sunday range of its own week key."""
    key = week_key(day)
    monday, sunday = week_range(key)
    assert monday <= day <= sunday
    assert monday.weekday() == 0 and sunday - monday == timedelta(days=6)
    assert week_key(monday) == week_key(sunday) == key


# --- Schedule -------------------------------------------------------------------------------

MON, FRI, SUN = 0, 4, 6


@pytest.mark.parametrize(
    ("now", "weekday", "hhmm", "zone", "expected"),
    [
        # Europe/Berlin: CET (+1) until 2026-03-29 02:00, CEST (+2) until 2026-10-25 03:00.
        (utc(2026, 3, 18, 12), MON, "09:00", "Europe/Berlin", utc(2026, 3, 23, 8)),
        (utc(2026, 3, 25, 12), MON, "09:00", "Europe/Berlin", utc(2026, 3, 30, 7)),
        (utc(2026, 3, 30, 7), MON, "09:00", "Europe/Berlin", utc(2026, 4, 6, 7)),  # strictly
        (utc(2026, 3, 28, 12), SUN, "02:30", "Europe/Berlin", utc(2026, 3, 29, 1)),  # gap
        (utc(2026, 10, 24, 0), SUN, "02:30", "Europe/Berlin", utc(2026, 10, 25, 0, 30)),  # 1st
        (utc(2026, 10, 25, 1), SUN, "02:30", "Europe/Berlin", utc(2026, 11, 1, 1, 30)),
        (utc(2026, 10, 20, 12), MON, "09:00", "Europe/Berlin", utc(2026, 10, 26, 8)),
        # America/New_York: EST (-5) until 2026-03-08 02:00, EDT (-4) until 2026-11-01 02:00.
        (utc(2026, 3, 6, 23), FRI, "17:00", "America/New_York", utc(2026, 3, 13, 21)),
        (utc(2026, 3, 7, 12), SUN, "02:15", "America/New_York", utc(2026, 3, 8, 7)),  # gap
        (utc(2026, 10, 31, 12), SUN, "01:30", "America/New_York", utc(2026, 11, 1, 5, 30)),
        (utc(2026, 11, 2, 0), SUN, "20:00", "America/New_York", utc(2026, 11, 2, 1)),
        # Australia/Sydney: AEDT (+11) until 2026-04-05 03:00, AEST (+10) until 2026-10-04 02:00.
        (utc(2026, 4, 1, 0), MON, "09:00", "Australia/Sydney", utc(2026, 4, 5, 23)),
        (utc(2026, 4, 3, 0), SUN, "02:30", "Australia/Sydney", utc(2026, 4, 4, 15, 30)),  # 1st
        (utc(2026, 10, 1, 0), SUN, "02:30", "Australia/Sydney", utc(2026, 10, 3, 16)),  # gap
        (utc(2026, 10, 1, 0), MON, "09:00", "Australia/Sydney", utc(2026, 10, 4, 22)),
        # Asia/Kolkata: +05:30 all year; local Monday starts while UTC is still Sunday.
        (utc(2026, 11, 29, 20), MON, "09:00", "Asia/Kolkata", utc(2026, 11, 30, 3, 30)),
        (utc(2026, 11, 30, 3, 30), MON, "09:00", "Asia/Kolkata", utc(2026, 12, 7, 3, 30)),
        (utc(2026, 12, 28, 0), SUN, "23:59", "Asia/Kolkata", utc(2027, 1, 3, 18, 29)),
        # Pacific/Apia skipped Friday 2011-12-30 entirely: the first instant after is Saturday.
        (utc(2011, 12, 25, 0), FRI, "09:00", "Pacific/Apia", utc(2011, 12, 30, 10)),
    ],
)
def test_next_prompt_at(
    now: datetime, weekday: int, hhmm: str, zone: str, expected: datetime
) -> None:
    """The next prompt keeps the local wall time across DST, shifting out of gaps."""
    assert next_prompt_at(now, weekday, hhmm, zone) == expected


def test_next_prompt_at_accepts_zoneinfo_and_rejects_bad_input() -> None:
    """Zones may be objects; weekdays, times and naive datetimes are checked."""
    zone = ZoneInfo("Europe/Berlin")
    assert next_prompt_at(utc(2026, 3, 18), MON, "9:00", zone) == utc(2026, 3, 23, 8)
    with pytest.raises(ConfigError, match="weekday"):
        next_prompt_at(utc(2026, 3, 18), 7, "09:00", zone)
    with pytest.raises(ConfigError, match="HH:MM"):
        next_prompt_at(utc(2026, 3, 18), MON, "24:00", zone)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_prompt_at(datetime(2026, 3, 18), MON, "09:00", zone)


@pytest.mark.parametrize("text", ["9", "09:60", "ab:cd", "09:5", "-1:00", ""])
def test_parse_hhmm_rejects(text: str) -> None:
    """Only 24-hour HH:MM times are accepted."""
    with pytest.raises(ConfigError):
        parse_hhmm(text)


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Sao_Paulo",  # DST until 2019, at midnight
    "UTC",
]


def _exists(day: date, at: time, zone: ZoneInfo) -> bool:
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 1, 15, 30, 59]),
    zone_name=st.sampled_from(ZONES),
)
def test_next_prompt_at_properties(
    now: datetime, weekday: int, hour: int, minute: int, zone_name: str
) -> None:
    """Strictly after now, within a week and an hour, on the configured local weekday and time
    unless that time fell into a DST gap (then it is the transition instant)."""
    zone = ZoneInfo(zone_name)
    result = next_prompt_at(now, weekday, f"{hour:02d}:{minute:02d}", zone_name)
    assert result.tzinfo is UTC
    assert now < result <= now + timedelta(days=7, hours=1)
    local = result.astimezone(zone)
    at = time(hour, minute)
    if (local.weekday(), local.time()) != (weekday, at):
        before = (result - timedelta(seconds=1)).astimezone(zone)
        assert before.utcoffset() != local.utcoffset()  # exactly at a transition
        assert not _exists(before.date(), at, zone)  # and the wall time did not exist


def test_round_times_defaults() -> None:
    """A default round lasts 72 hours with a reminder 24 hours before the close."""
    opens = utc(2026, 11, 30, 8)
    assert round_times(opens) == RoundTimes(opens, utc(2026, 12, 3, 8), utc(2026, 12, 2, 8))


@pytest.mark.parametrize(
    ("close_after", "remind_before", "reminder"),
    [
        (48, 12, utc(2026, 12, 1, 20)),
        (24, 24, None),  # would be at opening
        (24, 30, None),  # would be before opening
        (72, 0, None),  # turned off
        (168, 167, utc(2026, 11, 30, 9)),
    ],
)
def test_round_times_reminder(close_after: int, remind_before: int, reminder: datetime) -> None:
    """The reminder exists only when it falls strictly after opening."""
    assert round_times(utc(2026, 11, 30, 8), close_after, remind_before).reminder_at == reminder


def test_round_times_counts_real_hours_across_dst() -> None:
    """A round over the autumn change still lasts exactly the configured hours."""
    opens = next_prompt_at(utc(2026, 10, 20), FRI, "09:00", "Europe/Berlin")
    assert round_times(opens).closes - opens == timedelta(hours=72)


@pytest.mark.parametrize(("close_after", "remind_before"), [(0, 0), (169, 24), (72, -1)])
def test_round_times_rejects(close_after: int, remind_before: int) -> None:
    """Rounds must close within a week, and reminders cannot follow the close."""
    with pytest.raises(ConfigError):
        round_times(utc(2026, 11, 30, 8), close_after, remind_before)


@pytest.mark.parametrize(
    ("due", "now", "closes", "catchable"),
    [
        (utc(2026, 11, 30, 8), utc(2026, 11, 30, 9), utc(2026, 12, 3, 8), True),
        (utc(2026, 11, 30, 8), utc(2026, 12, 2, 20), utc(2026, 12, 3, 8), True),  # exactly 12 h
        (utc(2026, 11, 30, 8), utc(2026, 12, 2, 20, 1), utc(2026, 12, 3, 8), False),
        (utc(2026, 11, 30, 8), utc(2026, 12, 4), utc(2026, 12, 3, 8), False),  # closed
        (utc(2026, 11, 30, 8), utc(2026, 11, 30, 7), utc(2026, 12, 3, 8), False),  # not due
        (utc(2026, 11, 30, 8), utc(2026, 11, 30, 8), utc(2026, 12, 3, 8), True),
    ],
)
def test_prompt_is_catchable(
    due: datetime, now: datetime, closes: datetime, catchable: bool
) -> None:
    """A missed prompt is posted late only while at least 12 hours of its round remain."""
    assert prompt_is_catchable(due, now, closes) is catchable


# --- Streaks --------------------------------------------------------------------------------


def w(*numbers: int, year: int = 2026) -> set[str]:
    return {f"{year}-W{n:02d}" for n in numbers}


@pytest.mark.parametrize(
    ("answered", "skipped", "current", "is_open", "expected"),
    [
        (w(45, 46, 47), set(), "2026-W48", True, 3),  # open week not answered yet: no break
        (w(45, 46, 47, 48), set(), "2026-W48", True, 4),  # answered this week: counts
        (w(45, 46, 47, 48), set(), "2026-W48", False, 4),
        (w(45, 46, 47), set(), "2026-W48", False, 0),  # closed unanswered: broken
        (w(44, 45, 47), w(46), "2026-W48", True, 3),  # skip neither breaks nor counts
        (w(43, 44, 46, 47), set(), "2026-W48", True, 2),  # gap breaks
        (w(46, 47), w(48), "2026-W48", False, 2),  # skipping this week
        (w(46, 47), w(43, 44, 45, 48), "2026-W48", False, 2),  # skips before the first answer
        ({"2026-W52", "2026-W53", "2027-W01"}, set(), "2027-W02", True, 3),  # year end
        (set(), w(47), "2026-W48", True, 0),
        (w(47, 49, 50), set(), "2026-W48", True, 1),  # future weeks ignored
        (w(48), set(), "2026-W48", True, 1),
    ],
)
def test_streak(
    answered: set[str], skipped: set[str], current: str, is_open: bool, expected: int
) -> None:
    """Streaks count answered weeks back from now, passing over skipped weeks."""
    assert streak(answered, skipped, current, is_open) == expected


@pytest.mark.parametrize(
    ("answered", "skipped", "expected"),
    [
        (w(40, 41, 42, 44, 45), set(), 3),
        (w(40, 41, 42, 44, 45), w(43), 5),
        (set(), set(), 0),
        (w(10, 30), w(*range(11, 30)), 2),
        ({"2026-W53", "2027-W01"}, set(), 2),
    ],
)
def test_longest_streak(answered: set[str], skipped: set[str], expected: int) -> None:
    """The longest run is found anywhere in the history."""
    assert longest_streak(answered, skipped) == expected


@given(
    answered=st.sets(st.integers(0, 40), max_size=30),
    skipped=st.sets(st.integers(0, 40), max_size=10),
    current=st.integers(0, 40),
    is_open=st.booleans(),
)
def test_streak_never_exceeds_answered(
    answered: set[int], skipped: set[int], current: int, is_open: bool
) -> None:
    """A streak is at most the longest streak, which is at most the weeks answered."""
    base = "2025-W40"
    answered_keys = {shift_week(base, n) for n in answered}
    skipped_keys = {shift_week(base, n) for n in skipped - answered}
    now = streak(answered_keys, skipped_keys, shift_week(base, current), is_open)
    assert 0 <= now <= longest_streak(answered_keys, skipped_keys) <= len(answered_keys)


def test_milestones() -> None:
    """Milestones at 4, 8, 12, 26, 52 weeks, then every further year."""
    assert [n for n in range(1, 160) if is_milestone(n)] == [4, 8, 12, 26, 52, 104, 156]
    assert milestone_reached(3, 4) == 4
    assert milestone_reached(4, 5) is None
    assert milestone_reached(0, 12) == 12
    assert milestone_reached(51, 104) == 104
    assert milestone_reached(5, 0) is None


# --- Modal and embed helpers ----------------------------------------------------------------


def test_truncate_placeholder() -> None:
    """Short text is kept; long text is cut on a word and marked."""
    assert truncate_placeholder("Read  two\npapers") == "Read two papers"
    long = "word " * 40
    cut = truncate_placeholder(long)
    assert len(cut) <= 100 and cut.endswith("word…")
    assert truncate_placeholder("x" * 150, limit=10) == "x" * 9 + "…"


@given(st.text(max_size=300), st.integers(1, 120))
def test_truncate_placeholder_fits(text: str, limit: int) -> None:
    """The result never exceeds the limit."""
    assert len(truncate_placeholder(text, limit)) <= limit


def test_prefill_values() -> None:
    """Q1 and Q2 come back as defaults; empty and missing answers do not."""
    assert prefill_values(["p", "a", "did", "", "next"]) == {0: "p", 1: "a"}
    assert prefill_values([None, "  a "]) == {1: "a"}
    assert prefill_values([]) == {}


def test_placeholders() -> None:
    """Q3 shows last week's plan, cut to the placeholder limit; others show the question."""
    plan = "Write the eval harness " * 10
    result = placeholders(DEFAULT_QUESTIONS, plan)
    assert result[2].startswith("Last week you planned: Write the eval harness")
    assert len(result[2]) <= 100
    assert result[0] == DEFAULT_QUESTIONS[0].text
    assert placeholders(DEFAULT_QUESTIONS, None)[2] == DEFAULT_QUESTIONS[2].text
    assert placeholders(DEFAULT_QUESTIONS[:2], plan) == [q.text for q in DEFAULT_QUESTIONS[:2]]


def test_validate_answers() -> None:
    """Q1 to Q3 are required, the rest optional, all at most 1024 characters."""
    assert sorted(REQUIRED_INDICES) == [0, 1, 2]
    assert validate_answers(DEFAULT_QUESTIONS, [" a ", "b", "c", "", ""]) == ("a", "b", "c", "", "")
    with pytest.raises(AnswerError, match="What you did this week"):
        validate_answers(DEFAULT_QUESTIONS, ["a", "b", " ", "d", "e"])
    with pytest.raises(AnswerError, match="1,025 characters"):
        validate_answers(DEFAULT_QUESTIONS, ["a", "b", "c", "x" * (ANSWER_MAX + 1), ""])
    with pytest.raises(AnswerError, match="Expected 5 answers"):
        validate_answers(DEFAULT_QUESTIONS, ["a", "b", "c"])


def test_answer_embed_fields_skip_empty_answers() -> None:
    """Each non-empty answer becomes a field named by its label."""
    fields = answer_embed_fields(DEFAULT_QUESTIONS, ["p", "a", "did", "", "next"])
    assert fields == [
        ("Most important problems in your field", "p"),
        ("What you are doing about them", "a"),
        ("What you did this week", "did"),
        ("Next week", "next"),
    ]


def test_answer_embed_fields_share_a_small_budget() -> None:
    """When the budget is tight the long values are shortened, short ones kept whole."""
    answers = ["short", "x" * 1024, "y" * 1024, "z" * 1024, ""]
    fields = answer_embed_fields(DEFAULT_QUESTIONS, answers, budget=2000)
    assert sum(len(n) + len(v) for n, v in fields) <= 2000
    assert fields[0][1] == "short"
    assert all(v.endswith("…") for _, v in fields[1:])
    with pytest.raises(ValueError):
        answer_embed_fields(DEFAULT_QUESTIONS, answers, budget=50)


@given(
    st.lists(st.text(max_size=1100), min_size=5, max_size=5),
    st.integers(500, EMBED_TOTAL_MAX),
)
def test_answer_embed_fields_within_limits(answers: list[str], budget: int) -> None:
    """Whatever the answers, the fields respect Discord's embed limits and the budget."""
    fields = answer_embed_fields(DEFAULT_QUESTIONS, answers, budget)
    assert sum(len(n) + len(v) for n, v in fields) <= budget
    for name, value in fields:
        assert 0 < len(name) <= EMBED_FIELD_NAME_MAX
        assert 0 < len(value) <= EMBED_FIELD_VALUE_MAX


# --- Participation --------------------------------------------------------------------------


def test_participation_last_twelve_weeks_zero_filled() -> None:
    """The latest 12 weeks, oldest first, missing counts as zero."""
    weeks = weeks_ending("2027-W02", 15)
    series = participation(weeks, {"2027-W02": 5, "2026-W53": 3}, {"2027-W02": 8})
    assert [p.week for p in series] == weeks[-12:]
    assert series[-1] == WeekParticipation("2027-W02", 5, 8)
    assert series[-3] == WeekParticipation("2026-W53", 3, 3)  # cohort never below answers
    assert series[0] == WeekParticipation(weeks[3], 0, 0)
    assert series[-1].rate == 5 / 8 and series[0].rate == 0.0
    assert series[-1].chart_row() == ("W02", 5, 8)


def test_participation_empty() -> None:
    """No weeks, no rows."""
    assert participation([], {}, {}) == []
