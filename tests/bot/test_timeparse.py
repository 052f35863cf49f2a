"""Tests for bot.timeparse: reading typed times in a member's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timeparse import (
    HORIZON,
    TimeParseError,
    format_offset,
    localize,
    parse_deadline,
    parse_duration,
    parse_hhmm,
    parse_offsets,
    parse_when,
    parse_zone,
    zone_choices,
)

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "UTC",
)
# Thursday 3 Dec 2026, 20:00 UTC: Thu 21:00 in Berlin, Thu 15:00 in New York,
# Fri 01:30 in Kolkata, Fri 07:00 on Lord Howe, Fri 09:00 in Auckland.
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_text(when: datetime, zone: str) -> str:
    return f"{when.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M %z}"


# --- parse_when: the examples from the feature issues, in several zones -------------------

WHEN_TABLE = [
    ("Europe/Berlin", "next Tuesday 18:00", "2026-12-08 18:00 +0100"),
    ("Europe/Berlin", "tuesday 6pm", "2026-12-08 18:00 +0100"),
    ("Europe/Berlin", "2026-12-08 17:30", "2026-12-08 17:30 +0100"),
    ("Europe/Berlin", "2026-12-08T17:30", "2026-12-08 17:30 +0100"),
    ("Europe/Berlin", "8 Dec 17:30", "2026-12-08 17:30 +0100"),
    ("Europe/Berlin", "8th of December at 17:30", "2026-12-08 17:30 +0100"),
    ("Europe/Berlin", "Dec 8 2026 5:30pm", "2026-12-08 17:30 +0100"),
    ("Europe/Berlin", "Tue, Dec 8, 2026 5:30 p.m.", "2026-12-08 17:30 +0100"),
    ("Europe/Berlin", "in 3 days at 6pm", "2026-12-06 18:00 +0100"),
    ("Europe/Berlin", "in 2 hours", "2026-12-03 23:00 +0100"),
    ("Europe/Berlin", "in an hour", "2026-12-03 22:00 +0100"),
    ("Europe/Berlin", "tomorrow 9am", "2026-12-04 09:00 +0100"),
    ("Europe/Berlin", "9am tomorrow", "2026-12-04 09:00 +0100"),
    ("Europe/Berlin", "tomorrow at noon", "2026-12-04 12:00 +0100"),
    ("Europe/Berlin", "today 23:00", "2026-12-03 23:00 +0100"),
    ("Europe/Berlin", "18:00", "2026-12-04 18:00 +0100"),
    ("Europe/Berlin", "22:15", "2026-12-03 22:15 +0100"),
    ("Europe/Berlin", "6pm", "2026-12-04 18:00 +0100"),
    ("Europe/Berlin", "thursday 22:00", "2026-12-03 22:00 +0100"),
    ("Europe/Berlin", "thursday 20:00", "2026-12-10 20:00 +0100"),
    ("Europe/Berlin", "next thursday 22:00", "2026-12-10 22:00 +0100"),
    ("Europe/Berlin", "1 Jan 10:00", "2027-01-01 10:00 +0100"),
    ("Europe/Berlin", "2026-12-08T17:30Z", "2026-12-08 18:30 +0100"),
    ("Europe/Berlin", "2026-12-08T17:30+05:30", "2026-12-08 13:00 +0100"),
    ("Europe/Berlin", "2026-12-08 17:30 -0500", "2026-12-08 23:30 +0100"),
    ("Europe/Berlin", "6pm utc", "2026-12-04 19:00 +0100"),
    ("America/New_York", "tuesday 6pm", "2026-12-08 18:00 -0500"),
    ("America/New_York", "today 18:00", "2026-12-03 18:00 -0500"),
    ("America/New_York", "18:00", "2026-12-03 18:00 -0500"),
    ("America/New_York", "3pm", "2026-12-04 15:00 -0500"),
    ("America/New_York", "2026-12-08T17:30Z", "2026-12-08 12:30 -0500"),
    ("Asia/Kolkata", "tuesday 6pm", "2026-12-08 18:00 +0530"),
    ("Asia/Kolkata", "today 18:00", "2026-12-04 18:00 +0530"),
    ("Asia/Kolkata", "tomorrow 9am", "2026-12-05 09:00 +0530"),
    ("Asia/Kolkata", "01:00", "2026-12-05 01:00 +0530"),
    ("Asia/Kolkata", "in 2 hours", "2026-12-04 03:30 +0530"),
    ("Australia/Lord_Howe", "18:00", "2026-12-04 18:00 +1100"),
    ("Australia/Lord_Howe", "thursday 6pm", "2026-12-10 18:00 +1100"),
    ("Australia/Lord_Howe", "8 Dec 17:30", "2026-12-08 17:30 +1100"),
    ("Pacific/Auckland", "tomorrow 9am", "2026-12-05 09:00 +1300"),
    ("Pacific/Auckland", "08:59", "2026-12-05 08:59 +1300"),
    ("Pacific/Auckland", "09:01", "2026-12-04 09:01 +1300"),
    ("UTC", "18:00", "2026-12-04 18:00 +0000"),
    ("UTC", "Dec 8 2026 5:30pm", "2026-12-08 17:30 +0000"),
]


@pytest.mark.parametrize(("zone", "text", "expected"), WHEN_TABLE)
def test_parse_when_reads_in_the_members_zone(zone: str, text: str, expected: str) -> None:
    """Each accepted form lands on the expected wall-clock time in the member's zone."""
    parsed = parse_when(text, ZoneInfo(zone), NOW)
    assert parsed.when.tzinfo is UTC
    assert local_text(parsed.when, zone) == expected
    assert local_text(parsed.local, zone) == expected


def test_parsed_time_describes_itself_in_the_members_zone() -> None:
    """describe() echoes the time on the member's own clock."""
    parsed = parse_when("tuesday 6pm", ZoneInfo("America/New_York"), NOW)
    assert parsed.describe() == "Tue 8 Dec 2026 18:00 EST"


def test_rolled_over_dates_carry_a_note() -> None:
    """A date without a year that has passed this year moves to next year, and says so."""
    parsed = parse_when("1 Dec 10:00", ZoneInfo("Europe/Berlin"), NOW)
    assert parsed.local.year == 2027
    assert any("already passed" in note for note in parsed.notes)


def test_relative_days_keep_the_wall_clock_across_dst() -> None:
    """'in 1 day' keeps the clock time over a DST change; 'in 24 hours' is exact."""
    berlin = ZoneInfo("Europe/Berlin")
    now = utc(2026, 3, 28, 11, 0)  # Sat 12:00 CET, the day before spring-forward
    assert parse_when("in 1 day", berlin, now).when == utc(2026, 3, 29, 10, 0)
    assert parse_when("in 24 hours", berlin, now).when == utc(2026, 3, 29, 11, 0)


def test_now_may_be_in_any_zone_but_must_be_aware() -> None:
    """`now` is compared as an instant; a naive `now` is a programming error."""
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_when("18:00", berlin, NOW.astimezone(berlin)) == parse_when("18:00", berlin, NOW)
    with pytest.raises(ValueError, match="aware"):
        parse_when("18:00", berlin, NOW.replace(tzinfo=None))


# --- parse_deadline -----------------------------------------------------------------------

DEADLINE_TABLE = [
    ("Europe/Berlin", "friday", "2026-12-04 23:59 +0100"),
    ("Europe/Berlin", "thursday", "2026-12-03 23:59 +0100"),
    ("Europe/Berlin", "today", "2026-12-03 23:59 +0100"),
    ("Europe/Berlin", "8 Dec", "2026-12-08 23:59 +0100"),
    ("Europe/Berlin", "2026-12-08", "2026-12-08 23:59 +0100"),
    ("Europe/Berlin", "Dec 8 2026 5:30pm", "2026-12-08 17:30 +0100"),
    ("America/New_York", "tomorrow", "2026-12-04 23:59 -0500"),
    ("Asia/Kolkata", "today", "2026-12-04 23:59 +0530"),
    ("Pacific/Auckland", "next friday", "2026-12-11 23:59 +1300"),
    ("UTC", "in 2 hours", "2026-12-03 22:00 +0000"),
]


@pytest.mark.parametrize(("zone", "text", "expected"), DEADLINE_TABLE)
def test_parse_deadline_means_end_of_day_without_a_time(
    zone: str, text: str, expected: str
) -> None:
    """A date with no time is due at 23:59 that day in the member's zone."""
    assert local_text(parse_deadline(text, ZoneInfo(zone), NOW).when, zone) == expected


def test_parse_when_wants_a_time_with_a_date() -> None:
    """parse_when refuses a bare date instead of guessing midnight."""
    with pytest.raises(TimeParseError, match="no time of day"):
        parse_when("friday", ZoneInfo("Europe/Berlin"), NOW)


# --- DST: both transitions, in zones with 1-hour and 30-minute shifts --------------------

DST_TABLE = [
    # zone, typed, expected local, note contains
    ("Europe/Berlin", "2026-03-29 02:30", "2026-03-29 03:00 +0200", "doesn't exist"),
    ("Europe/Berlin", "2026-10-25 02:30", "2026-10-25 02:30 +0200", "happens twice"),
    ("America/New_York", "2026-03-08 02:30", "2026-03-08 03:00 -0400", "doesn't exist"),
    ("America/New_York", "2026-11-01 01:30", "2026-11-01 01:30 -0400", "happens twice"),
    ("Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-04 02:30 +1100", "doesn't exist"),
    ("Australia/Lord_Howe", "2026-04-05 01:45", "2026-04-05 01:45 +1100", "happens twice"),
    ("Pacific/Auckland", "2026-09-27 02:30", "2026-09-27 03:00 +1300", "doesn't exist"),
    ("Pacific/Auckland", "2026-04-05 02:30", "2026-04-05 02:30 +1300", "happens twice"),
]
EARLY_2026 = utc(2026, 1, 1, 0, 0)


@pytest.mark.parametrize(("zone", "text", "expected", "note"), DST_TABLE)
def test_dst_gaps_shift_forward_and_repeats_take_the_first(
    zone: str, text: str, expected: str, note: str
) -> None:
    """Skipped times move past the gap, repeated times take the first; both say so."""
    parsed = parse_when(text, ZoneInfo(zone), EARLY_2026)
    assert local_text(parsed.when, zone) == expected
    assert len(parsed.notes) == 1
    assert note in parsed.notes[0]
    assert zone in parsed.notes[0]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "UTC"])
def test_zones_without_dst_add_no_notes(zone: str) -> None:
    """A zone without DST never needs an adjustment note."""
    parsed = parse_when("2026-03-29 02:30", ZoneInfo(zone), EARLY_2026)
    assert local_text(parsed.when, zone) == f"2026-03-29 02:30 {parsed.local:%z}"
    assert parsed.notes == ()


def test_localize_reports_gap_and_repeat() -> None:
    """localize() is the reusable helper behind the DST rules."""
    berlin = ZoneInfo("Europe/Berlin")
    assert localize(datetime(2026, 7, 1, 12, 0), berlin) == (utc(2026, 7, 1, 10, 0), None)
    gap, gap_note = localize(datetime(2026, 3, 29, 2, 30), berlin)
    assert gap == utc(2026, 3, 29, 1, 0)
    assert gap_note is not None and "02:00 to 03:00" in gap_note
    repeat, repeat_note = localize(datetime(2026, 10, 25, 2, 30), berlin)
    assert repeat == utc(2026, 10, 25, 0, 30)
    assert repeat_note is not None and "first" in repeat_note
    with pytest.raises(ValueError, match="naive"):
        localize(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), berlin)


def test_bare_time_in_a_repeat_takes_the_second_if_the_first_has_passed() -> None:
    """Between the two 01:30s in New York, '01:30' means the second one, not tomorrow."""
    new_york = ZoneInfo("America/New_York")
    parsed = parse_when("01:30", new_york, utc(2026, 11, 1, 5, 45))  # 01:45 EDT
    assert parsed.when == utc(2026, 11, 1, 6, 30)  # 01:30 EST
    assert "second" in parsed.notes[0]
    after_both = parse_when("01:30", new_york, utc(2026, 11, 1, 6, 45))  # 01:45 EST
    assert after_both.when == utc(2026, 11, 2, 6, 30)


def test_bare_time_in_a_gap_after_the_gap_means_tomorrow() -> None:
    """Once today's gap is behind us, '02:30' is tomorrow's 02:30."""
    berlin = ZoneInfo("Europe/Berlin")
    before = parse_when("02:30", berlin, utc(2026, 3, 29, 0, 30))  # 01:30 CET
    assert before.when == utc(2026, 3, 29, 1, 0)  # 03:00 CEST, the end of the gap
    after = parse_when("02:30", berlin, utc(2026, 3, 29, 1, 10))  # 03:10 CEST
    assert after.when == utc(2026, 3, 30, 0, 30)
    assert after.notes == ()


# --- never in the past --------------------------------------------------------------------


def _transitions_2026() -> list[datetime]:
    """Every UTC-offset change in 2026 in the test zones, found on a 30-minute grid."""
    found = []
    for name in ZONES:
        zone = ZoneInfo(name)
        moment = utc(2026, 1, 1, 0, 0)
        offset = moment.astimezone(zone).utcoffset()
        while moment.year == 2026:
            moment += timedelta(minutes=30)
            changed = moment.astimezone(zone).utcoffset()
            if changed != offset:
                found.append(moment)
                offset = changed
    return found


TRANSITIONS = _transitions_2026()

any_now = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)
near_a_transition = st.builds(
    lambda moment, seconds: moment + timedelta(seconds=seconds),
    st.sampled_from(TRANSITIONS),
    st.integers(-26 * 3600, 26 * 3600),
)


def test_the_grid_found_both_transitions_in_each_dst_zone() -> None:
    """Sanity check for the property below: 8 transitions across the 4 DST zones."""
    assert len(TRANSITIONS) == 8


@settings(max_examples=300, deadline=None)
@given(
    now=st.one_of(any_now, near_a_transition),
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_a_bare_time_is_never_in_the_past(now: datetime, zone: str, hour: int, minute: int) -> None:
    """'HH:MM' is strictly after now, within a day (plus a DST hour), at that wall time."""
    parsed = parse_when(f"{hour:02d}:{minute:02d}", ZoneInfo(zone), now)
    assert now < parsed.when <= now + timedelta(hours=25)
    if not any("doesn't exist" in note for note in parsed.notes):
        assert (parsed.local.hour, parsed.local.minute) == (hour, minute)


# --- rejections and their messages --------------------------------------------------------

REJECTED = [
    ("", "Nothing"),
    ("   ", "Nothing"),
    ("x" * 101, "101 characters"),
    ("Feb 30 10:00", "no 30 February"),
    ("2026-02-30 10:00", "no 30 February"),
    ("2027-02-29 10:00", "no 29 February 2027"),
    ("2027-13-01 10:00", "no month 13"),
    ("9999-01-01 10:00", "too far ahead"),
    ("2032-01-01 10:00", "too far ahead"),
    ("in 2000 days", "longer than 5 years"),
    ("in 3 months", "months and years vary"),
    ("2026-12-01 10:00", "in the past"),
    ("2026-12-01T10:00Z", "in the past"),
    ("today 18:00", "did you mean tomorrow 18:00"),
    ("25:00", "hours go to 23"),
    ("13pm", "1 to 12"),
    ("tomorrow at 9", "'9' is ambiguous"),
    ("at 9", "'9' is ambiguous"),
    ("18", "ambiguous"),
    ("wed 8 dec 9am", "is a Tuesday, not a Wednesday"),
    ("in 2 hours at 6pm", "whole days"),
    ("2026-12-08T17:30+15:00", "isn't a UTC offset"),
    ("whenever", "Couldn't read 'whenever'"),
    ("next blursday 6pm", "Couldn't read"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED)
def test_parse_when_rejects_plainly_and_lists_accepted_forms(text: str, reason: str) -> None:
    """Errors say what was wrong, then show the accepted forms and the member's zone."""
    with pytest.raises(TimeParseError) as caught:
        parse_when(text, ZoneInfo("Europe/Berlin"), NOW)
    message = str(caught.value)
    assert reason in message
    assert "Accepted forms" in message
    assert "tomorrow 9am" in message
    assert "in 3 days at 6pm" in message
    assert "Europe/Berlin" in message
    assert isinstance(caught.value, ValueError)


def test_deadline_errors_mention_the_end_of_day_rule() -> None:
    """parse_deadline's accepted forms explain what a bare date means."""
    with pytest.raises(TimeParseError, match="23:59"):
        parse_deadline("someday", ZoneInfo("UTC"), NOW)


def test_the_horizon_is_about_five_years() -> None:
    """Dates up to about five years ahead are fine."""
    parsed = parse_when("2031-12-01 10:00", ZoneInfo("UTC"), NOW)
    assert parsed.when - NOW < HORIZON


# --- durations and offsets ----------------------------------------------------------------

DURATIONS = [
    ("90m", timedelta(minutes=90)),
    ("1h30m", timedelta(minutes=90)),
    ("1h 30m", timedelta(minutes=90)),
    ("1 hour and 30 minutes", timedelta(minutes=90)),
    ("1.5h", timedelta(minutes=90)),
    ("2 hours", timedelta(hours=2)),
    ("45 minutes", timedelta(minutes=45)),
    ("3d", timedelta(days=3)),
    ("1w", timedelta(weeks=1)),
    ("1.5d", timedelta(hours=36)),
    (".5h", timedelta(minutes=30)),
    ("30s", timedelta(seconds=30)),
    ("an hour", timedelta(hours=1)),
    ("2W 1D", timedelta(days=15)),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_parse_duration_accepts_the_documented_forms(text: str, expected: timedelta) -> None:
    """Numbers with units, combined and fractional, read as expected."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Nothing"),
        ("90", "needs a unit"),
        ("1h30", "needs a unit"),
        ("0m", "longer than zero"),
        ("2 months", "months and years vary"),
        ("3 fortnights", "'fortnights' isn't a unit"),
        ("99999999999999d", "longer than 5 years"),
        ("soon", "Couldn't read 'soon'"),
    ],
)
def test_parse_duration_errors_name_accepted_forms(text: str, reason: str) -> None:
    """Duration errors give the reason and the accepted forms."""
    with pytest.raises(TimeParseError) as caught:
        parse_duration(text)
    assert reason in str(caught.value)
    assert "1h30m" in str(caught.value)


def test_parse_offsets_sorts_and_deduplicates() -> None:
    """Offsets come back largest first, each once."""
    assert parse_offsets("7d, 2d, 6h") == (
        timedelta(days=7),
        timedelta(days=2),
        timedelta(hours=6),
    )
    assert parse_offsets("1d,30d,14d,7d,3d,1d,24h,") == tuple(
        timedelta(days=n) for n in (30, 14, 7, 3, 1)
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("7d, 7x", "'7x' in your list"),
        ("7d, 0m", "'0m' in your list"),
        ("400d", "'400d' is more than 365 days"),
        (",,", "No offsets"),
        (",".join(f"{n}d" for n in range(1, 12)), "11 different offsets; at most 10"),
    ],
)
def test_parse_offsets_errors_name_the_bad_part(text: str, reason: str) -> None:
    """Offset errors point at the part that was wrong and show an example list."""
    with pytest.raises(TimeParseError) as caught:
        parse_offsets(text)
    assert reason in str(caught.value)
    assert "30d,14d,7d,3d,1d" in str(caught.value)


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(days=7), "7d"),
        (timedelta(hours=6), "6h"),
        (timedelta(hours=36), "1d12h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=1, seconds=5), "1d5s"),
        (timedelta(0), "0m"),
    ],
)
def test_format_offset(td: timedelta, text: str) -> None:
    """Offsets display compactly, in the same units parse_duration reads."""
    assert format_offset(td) == text


offsets = st.integers(1, 365 * 86400).map(lambda seconds: timedelta(seconds=seconds))


@given(offsets)
def test_format_offset_round_trips_through_parse_duration(td: timedelta) -> None:
    """Whatever format_offset shows, parse_duration reads back exactly."""
    assert parse_duration(format_offset(td)) == td


@given(st.lists(offsets, min_size=1, max_size=15).filter(lambda xs: len(set(xs)) <= 10))
def test_parse_offsets_round_trips(tds: list[timedelta]) -> None:
    """A displayed list of offsets parses back to the same set, largest first."""
    text = ", ".join(format_offset(td) for td in tds)
    assert parse_offsets(text) == tuple(sorted(set(tds), reverse=True))


# --- configuration times and zones --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:00", time(9)),
        ("9am", time(9)),
        ("9 AM", time(9)),
        ("21:30", time(21, 30)),
        ("9:30pm", time(21, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("noon", time(12)),
        ("0:05", time(0, 5)),
    ],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    """Times of day for configuration read in 24-hour and am/pm forms."""
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["", "9", "24:00", "9:60", "13pm", "0am", "tomorrow"])
def test_parse_hhmm_rejects_with_examples(text: str) -> None:
    """Bad times of day are refused with the accepted forms."""
    with pytest.raises(TimeParseError, match="21:30"):
        parse_hhmm(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  America/New York ", "America/New_York"),
        ("utc", "UTC"),
        ("Australia/Lord_Howe", "Australia/Lord_Howe"),
    ],
)
def test_parse_zone_is_case_insensitive(text: str, key: str) -> None:
    """Zone names are matched ignoring case and with spaces for underscores."""
    assert parse_zone(text).key == key


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "No time zone"),
        ("Mars/Olympus_Mons", "isn't a time zone I know"),
        ("berlin", "Did you mean Europe/Berlin"),
        ("EST", "ignores daylight saving"),
        ("../../etc/passwd", "isn't a time zone I know"),
        ("x" * 500, "isn't a time zone I know"),
    ],
)
def test_parse_zone_errors_are_clear(text: str, reason: str) -> None:
    """Unknown or misleading zone names are refused with examples."""
    with pytest.raises(TimeParseError) as caught:
        parse_zone(text)
    assert reason in str(caught.value)
    assert "America/New_York" in str(caught.value)


def test_zone_choices_ranks_prefix_matches_first() -> None:
    """Names starting with the text come first, then cities starting with it."""
    assert zone_choices("berlin")[0] == "Europe/Berlin"
    assert zone_choices("New Y")[0] == "America/New_York"
    assert zone_choices("KOLK") == ["Asia/Kolkata"]
    europe = zone_choices("eur", limit=5)
    assert len(europe) == 5
    assert all(name.startswith("Europe/") for name in europe)
    assert zone_choices("lord")[0] == "Australia/Lord_Howe"


def test_zone_choices_offers_only_zones_parse_zone_accepts() -> None:
    """Autocomplete never suggests a name that parse_zone would refuse."""
    assert "EST" not in zone_choices("est", limit=1000)
    for name in zone_choices("", limit=25):
        assert parse_zone(name).key == name
    assert zone_choices("no such zone") == []
    assert zone_choices("a", limit=0) == []
