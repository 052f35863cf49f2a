"""Times as people type them: zone abbreviations, zones after the time, words, numeric dates.

One table of phrases across five zones, with a week in which US clocks change, each checked
against the UTC instant worked out by hand. Funders state deadlines in PT or AoE; members type
"5pm PST" and "monday morning".
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import TimeParseError, parse_deadline, parse_hhmm, parse_when

# Thu 3 Dec 2026 20:00 UTC: Thu 12:00 in Los Angeles, Thu 21:00 in Berlin, Fri 01:30 in
# Kolkata, Fri 07:00 in Sydney (summer time).
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
# Fri 12 Mar 2027 18:00 UTC: Fri 10:00 PST; US clocks go forward on Sun 14 Mar at 02:00.
DST = datetime(2027, 3, 12, 18, 0, tzinfo=UTC)

LA, BERLIN, KOLKATA, SYDNEY, NEW_YORK = (
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/New_York",
)

# (member's zone, now, typed, the instant as "YYYY-MM-DD HH:MM" UTC); W: parse_when, D: deadline
TYPED = [
    # the phrases the issue lists, in Los Angeles
    (LA, NOW, "W", "dec 15 17:00 PT", "2026-12-16 01:00"),
    (LA, NOW, "W", "5pm PST", "2026-12-04 01:00"),
    (LA, NOW, "W", "5pm pdt", "2026-12-04 00:00"),
    (LA, NOW, "W", "11:59pm AoE", "2026-12-04 11:59"),
    (LA, NOW, "W", "dec 15 11:59pm aoe", "2026-12-16 11:59"),
    (LA, NOW, "W", "dec 15 23:59 UTC-12", "2026-12-16 11:59"),
    (LA, NOW, "W", "17:00 Europe/Berlin", "2026-12-04 16:00"),
    (LA, NOW, "W", "12/15 5pm", "2026-12-16 01:00"),
    (LA, NOW, "W", "midnight", "2026-12-04 08:00"),
    (LA, NOW, "W", "monday morning", "2026-12-07 17:00"),
    (LA, NOW, "W", "noon", "2026-12-04 20:00"),
    (LA, NOW, "W", "tomorrow afternoon", "2026-12-04 22:00"),
    (LA, NOW, "W", "friday evening", "2026-12-05 03:00"),
    (LA, NOW, "W", "this evening", "2026-12-04 03:00"),
    (LA, NOW, "W", "next week 10am", "2026-12-07 18:00"),
    (LA, NOW, "D", "end of month", "2027-01-01 07:59"),
    (LA, NOW, "D", "next week", "2026-12-08 07:59"),
    # every abbreviation, from Los Angeles
    (LA, NOW, "W", "5pm ET", "2026-12-03 22:00"),
    (LA, NOW, "W", "5pm EST", "2026-12-03 22:00"),
    (LA, NOW, "W", "5pm edt", "2026-12-03 21:00"),
    (LA, NOW, "W", "5pm CT", "2026-12-03 23:00"),
    (LA, NOW, "W", "5pm CDT", "2026-12-03 22:00"),
    (LA, NOW, "W", "5pm MT", "2026-12-04 00:00"),
    (LA, NOW, "W", "5pm MST", "2026-12-04 00:00"),
    (LA, NOW, "W", "5pm MDT", "2026-12-03 23:00"),
    (LA, NOW, "W", "9am JST", "2026-12-04 00:00"),
    (LA, NOW, "W", "9am aest", "2026-12-03 23:00"),
    (LA, NOW, "W", "9am aedt", "2026-12-03 22:00"),
    (LA, NOW, "W", "18:00 cet", "2026-12-04 17:00"),
    (LA, NOW, "W", "18:00 cest", "2026-12-04 16:00"),
    (LA, NOW, "W", "18:00 eet", "2026-12-04 16:00"),
    (LA, NOW, "W", "18:00 eest", "2026-12-04 15:00"),
    (LA, NOW, "W", "18:00 bst", "2026-12-04 17:00"),
    (LA, NOW, "W", "18:00 gmt", "2026-12-04 18:00"),
    (LA, NOW, "W", "21:00 utc", "2026-12-03 21:00"),
    (LA, NOW, "W", "21:00 z", "2026-12-03 21:00"),
    (LA, NOW, "W", "21:00 UTC+1", "2026-12-04 20:00"),
    (LA, NOW, "W", "17:00 UTC+5:30", "2026-12-04 11:30"),
    (LA, NOW, "W", "17:00 utc+05:30", "2026-12-04 11:30"),
    (LA, NOW, "W", "17:00 GMT-3", "2026-12-04 20:00"),
    (LA, NOW, "W", "17:00 UTC\u22125", "2026-12-03 22:00"),
    (LA, NOW, "W", "5pm (PT)", "2026-12-04 01:00"),
    (LA, NOW, "W", "dec 15 5pm america/new_york", "2026-12-15 22:00"),
    (LA, NOW, "W", "17:00 Asia/Kolkata", "2026-12-04 11:30"),
    (LA, NOW, "W", "17:00 Australia/Sydney", "2026-12-04 06:00"),
    (LA, NOW, "W", "tomorrow 5pm pt", "2026-12-05 01:00"),
    # midnight is the start of the next day
    (LA, NOW, "W", "friday midnight", "2026-12-05 08:00"),
    (LA, NOW, "W", "dec 15 midnight", "2026-12-16 08:00"),
    (LA, NOW, "W", "today midnight", "2026-12-04 08:00"),
    # numeric dates, read only when one reading is possible
    (LA, NOW, "W", "12/15/2026 5pm", "2026-12-16 01:00"),
    (LA, NOW, "W", "15/12 5pm", "2026-12-16 01:00"),
    (LA, NOW, "W", "1/13 9am", "2027-01-13 17:00"),
    (LA, NOW, "W", "13/1 9am", "2027-01-13 17:00"),
    (LA, NOW, "W", "5/5 9am", "2027-05-05 16:00"),
    (LA, NOW, "W", "12/31 11:59pm", "2027-01-01 07:59"),
    (LA, NOW, "W", "2/29 9am", "2028-02-29 17:00"),
    # Berlin
    (BERLIN, NOW, "W", "dec 15 17:00 PT", "2026-12-16 01:00"),
    (BERLIN, NOW, "W", "5pm PST", "2026-12-04 01:00"),
    (BERLIN, NOW, "W", "midnight", "2026-12-03 23:00"),
    (BERLIN, NOW, "W", "monday morning", "2026-12-07 08:00"),
    (BERLIN, NOW, "W", "tomorrow evening", "2026-12-04 18:00"),
    (BERLIN, NOW, "W", "sunday afternoon", "2026-12-06 13:00"),
    (BERLIN, NOW, "W", "12/15 5pm", "2026-12-15 16:00"),
    (BERLIN, NOW, "W", "next week 9am", "2026-12-07 08:00"),
    (BERLIN, NOW, "D", "end of month", "2026-12-31 22:59"),
    (BERLIN, NOW, "D", "end of the month", "2026-12-31 22:59"),
    (BERLIN, NOW, "W", "end of month 17:00", "2026-12-31 16:00"),
    (BERLIN, NOW, "W", "noon", "2026-12-04 11:00"),
    (BERLIN, NOW, "W", "17:00 Europe/Berlin", "2026-12-04 16:00"),
    (BERLIN, NOW, "W", "9am aoe", "2026-12-03 21:00"),
    (BERLIN, NOW, "W", "8 dec 23:59 AoE", "2026-12-09 11:59"),
    (BERLIN, NOW, "W", "dec 8 11:59 pm aoe", "2026-12-09 11:59"),
    (BERLIN, NOW, "D", "dec 8 aoe", "2026-12-09 11:59"),
    (BERLIN, NOW, "D", "15 jan utc", "2027-01-15 23:59"),
    (BERLIN, NOW, "W", "18:00 cet", "2026-12-04 17:00"),
    # Kolkata
    (KOLKATA, NOW, "W", "midnight", "2026-12-04 18:30"),
    (KOLKATA, NOW, "W", "morning", "2026-12-04 03:30"),
    (KOLKATA, NOW, "W", "evening", "2026-12-04 13:30"),
    (KOLKATA, NOW, "W", "afternoon", "2026-12-04 08:30"),
    (KOLKATA, NOW, "W", "5pm PT", "2026-12-04 01:00"),
    (KOLKATA, NOW, "W", "tomorrow 9am ET", "2026-12-04 14:00"),
    (KOLKATA, NOW, "W", "12/15 5pm", "2026-12-15 11:30"),
    (KOLKATA, NOW, "W", "next week 10am", "2026-12-07 04:30"),
    (KOLKATA, NOW, "D", "end of month", "2026-12-31 18:29"),
    (KOLKATA, NOW, "W", "monday morning", "2026-12-07 03:30"),
    # Sydney, in its summer time
    (SYDNEY, NOW, "W", "midnight", "2026-12-04 13:00"),
    (SYDNEY, NOW, "W", "this evening", "2026-12-04 08:00"),
    (SYDNEY, NOW, "W", "monday morning", "2026-12-06 22:00"),
    (SYDNEY, NOW, "W", "12/15 5pm", "2026-12-15 06:00"),
    (SYDNEY, NOW, "W", "5pm PT", "2026-12-04 01:00"),
    (SYDNEY, NOW, "W", "noon aest", "2026-12-04 02:00"),
    (SYDNEY, NOW, "D", "end of month", "2026-12-31 12:59"),
    (SYDNEY, NOW, "W", "next week 9am", "2026-12-06 22:00"),
    # UTC
    ("UTC", NOW, "W", "midnight", "2026-12-04 00:00"),
    ("UTC", NOW, "W", "evening", "2026-12-04 19:00"),
    ("UTC", NOW, "W", "12/15 5pm", "2026-12-15 17:00"),
    ("UTC", NOW, "W", "5pm PT", "2026-12-04 01:00"),
    ("UTC", NOW, "W", "11:59pm AoE", "2026-12-04 11:59"),
    ("UTC", NOW, "W", "17:00 Europe/Berlin", "2026-12-04 16:00"),
    ("UTC", NOW, "W", "friday afternoon", "2026-12-04 14:00"),
    ("UTC", NOW, "D", "next week", "2026-12-07 23:59"),
    # the week US clocks go forward (Sun 14 Mar 2027, 02:00 -> 03:00)
    (LA, DST, "W", "monday morning", "2027-03-15 16:00"),
    (LA, DST, "W", "sunday 2:30am", "2027-03-14 10:00"),
    (LA, DST, "W", "5pm PT", "2027-03-13 01:00"),
    (LA, DST, "W", "monday 5pm PT", "2027-03-16 00:00"),
    (LA, DST, "W", "monday 5pm PST", "2027-03-16 01:00"),
    (LA, DST, "W", "saturday midnight", "2027-03-14 08:00"),
    (LA, DST, "W", "sunday midnight", "2027-03-15 07:00"),
    (BERLIN, DST, "W", "monday 17:00 ET", "2027-03-15 21:00"),
    (BERLIN, DST, "W", "monday 17:00", "2027-03-15 16:00"),
    ("UTC", DST, "W", "3/14 2:30am PT", "2027-03-14 10:00"),
    (SYDNEY, DST, "W", "4/4 2:30am", "2027-04-03 15:30"),
    (SYDNEY, DST, "W", "next week 9am", "2027-03-14 22:00"),
    (NEW_YORK, DST, "W", "sunday morning", "2027-03-14 13:00"),
    (NEW_YORK, DST, "W", "sunday 9am CT", "2027-03-14 14:00"),
]


@pytest.mark.parametrize(("zone", "now", "how", "typed", "expected"), TYPED)
def test_typed_times_resolve_to_the_instant_meant(
    zone: str, now: datetime, how: str, typed: str, expected: str
) -> None:
    parse = parse_when if how == "W" else parse_deadline
    parsed = parse(typed, ZoneInfo(zone), now)
    assert f"{parsed.when:%Y-%m-%d %H:%M}" == expected
    assert parsed.when > now


def test_the_table_is_large_and_spans_five_zones() -> None:
    assert len(TYPED) >= 100
    assert len({zone for zone, *_ in TYPED}) >= 5


@pytest.mark.parametrize(
    ("typed", "echoed", "kept"),
    [
        ("dec 15 17:00 PT", "Tue 15 Dec 2026 17:00 PST", LA),
        ("dec 15 11:59pm AoE", "Tue 15 Dec 2026 23:59 AoE", "Etc/GMT+12"),
        ("dec 15 17:00 UTC+5:30", "Tue 15 Dec 2026 17:00 UTC+05:30", BERLIN),
        ("dec 15 17:00 UTC-3", "Tue 15 Dec 2026 17:00 UTC-03:00", "Etc/GMT+3"),
        ("dec 15 17:00 utc", "Tue 15 Dec 2026 17:00 UTC", "UTC"),
        ("dec 15 17:00 asia/tokyo", "Tue 15 Dec 2026 17:00 JST", "Asia/Tokyo"),
        ("dec 15 17:00 JST", "Tue 15 Dec 2026 17:00 JST", "Asia/Tokyo"),
        ("dec 15 17:00", "Tue 15 Dec 2026 17:00 CET", BERLIN),
    ],
)
def test_a_written_zone_is_echoed_as_written_and_kept(typed: str, echoed: str, kept: str) -> None:
    """The echo shows the clock it was read on; the zone kept is an IANA zone for that clock."""
    parsed = parse_when(typed, ZoneInfo(BERLIN), NOW)
    assert parsed.describe() == echoed
    assert parsed.zone.key == kept


def test_an_abbreviation_out_of_season_is_used_as_written_and_said() -> None:
    """PST in July is UTC-8 as written, but Pacific clocks then show PDT: never silently."""
    parsed = parse_when("jul 15 2027 5pm PST", ZoneInfo(BERLIN), NOW)
    assert f"{parsed.when:%Y-%m-%d %H:%M}" == "2027-07-16 01:00"
    assert any("show PDT (UTC-07:00), not PST" in note for note in parsed.notes)
    in_season = parse_when("jul 15 2027 5pm PDT", ZoneInfo(BERLIN), NOW)
    assert not any("not PDT" in note for note in in_season.notes)


def test_midnight_says_which_day_it_starts() -> None:
    parsed = parse_when("friday midnight", ZoneInfo(BERLIN), NOW)
    assert "Midnight is read as the start of Sat 5 Dec 2026 00:00 CET." in parsed.notes


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("3/4 5pm", "'3/4' could be 4 March (month/day) or 3 April (day/month)"),
        ("5pm CST", "could mean US Central Standard Time (UTC-06:00; write CT"),
        ("5pm CST", "China Standard Time (UTC+08:00"),
        ("5pm IST", "India Standard Time (UTC+05:30; write Asia/Kolkata)"),
        ("5pm ist", "Israel Standard Time"),
        ("every other thursday", "repeats; give one moment here"),
        ("every monday 9am", "repeats"),
        ("13/13 5pm", "isn't a date as month/day or as day/month"),
        ("2/30 9am", "isn't a date as month/day or as day/month"),
        ("17:00 UTC+15", "isn't a UTC offset"),
        ("17:00 mars/olympus_mons", "isn't a time zone I know"),
        ("end of month", "has a date but no time of day"),
        ("12/15", "has a date but no time of day"),
        ("today morning", "Today at 09:00 has already passed"),
        ("5pm pt tomorrow", "Couldn't read"),
    ],
)
def test_ambiguous_or_unreadable_times_are_refused_with_the_choices(
    typed: str, reason: str
) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when(typed, ZoneInfo(BERLIN), NOW)
    assert reason in str(caught.value)
    assert "5pm PT" in str(caught.value)  # the accepted forms name the zone forms


@pytest.mark.parametrize(
    ("typed", "hour"), [("morning", 9), ("afternoon", 14), ("evening", 19), ("noon", 12)]
)
def test_time_of_day_words_work_for_configuration(typed: str, hour: int) -> None:
    assert parse_hhmm(typed).hour == hour
