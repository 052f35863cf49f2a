"""Pure logic of the reading group: times, polls, rotation, recurrence, the list."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.reading.jobs import session_plan
from cogs.reading.logic import (
    STARTER_PACK,
    PastSession,
    PollTally,
    ReadingError,
    Series,
    missing_starter_items,
    moved,
    next_lead,
    poll_winner,
    rank_items,
    read_closes,
    read_duration,
    read_poll_options,
    read_when,
    series_due,
    series_start_after,
    split_options,
    toggled,
    url_key,
)
from cogs.reading.logic import optional_web_link as clean_url

# Thursday 3 Dec 2026, 20:00 UTC.
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def local(when: datetime, zone: ZoneInfo) -> str:
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M %z}"


# --- reading `when` in several zones, across DST -----------------------------------------------

WHEN_TABLE = [
    (BERLIN, NOW, "next Tuesday 18:00", "2026-12-08 18:00 +0100"),
    (NEW_YORK, NOW, "next Tuesday 18:00", "2026-12-08 18:00 -0500"),
    (KOLKATA, NOW, "2026-12-08 17:30", "2026-12-08 17:30 +0530"),
    (AUCKLAND, NOW, "in 3 days at 6pm", "2026-12-07 18:00 +1300"),
    (BERLIN, NOW, "in 3 days at 6pm", "2026-12-06 18:00 +0100"),
    # Across the spring-forward in Berlin (29 Mar 2026): the wall-clock time is kept.
    (
        BERLIN,
        datetime(2026, 3, 26, 12, 0, tzinfo=UTC),
        "in 3 days at 6pm",
        "2026-03-29 18:00 +0200",
    ),
    # Across the fall-back in New York (1 Nov 2026).
    (
        NEW_YORK,
        datetime(2026, 10, 30, 12, 0, tzinfo=UTC),
        "next Monday 18:00",
        "2026-11-02 18:00 -0500",
    ),
]


@pytest.mark.parametrize(("zone", "now", "text", "expected"), WHEN_TABLE)
def test_when_is_read_in_the_members_zone(
    zone: ZoneInfo, now: datetime, text: str, expected: str
) -> None:
    assert local(read_when(text, zone, now).when, zone) == expected


def test_a_time_skipped_by_dst_comes_with_a_note() -> None:
    parsed = read_when("2026-03-29 02:30", BERLIN, datetime(2026, 3, 20, tzinfo=UTC))
    assert local(parsed.when, BERLIN) == "2026-03-29 03:00 +0200"
    assert parsed.notes and "doesn't exist" in parsed.notes[0]


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, KOLKATA, AUCKLAND])
def test_a_bare_time_is_the_next_one_never_a_past_one(zone: ZoneInfo) -> None:
    for hours in range(0, 24 * 7, 5):
        now = NOW + timedelta(hours=hours, minutes=17)
        for text in ("18:00", "6am", "23:59", "00:00"):
            when = read_when(text, zone, now).when
            assert now < when <= now + timedelta(days=1, hours=1)


@given(
    st.integers(min_value=0, max_value=3 * 365 * 24 * 60),
    st.sampled_from([BERLIN, NEW_YORK, KOLKATA, AUCKLAND]),
    st.integers(0, 23),
    st.integers(0, 59),
)
@settings(max_examples=200, deadline=None)
def test_bare_times_are_always_ahead_and_within_a_day(
    minutes: int, zone: ZoneInfo, hour: int, minute: int
) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes, seconds=13)
    when = read_when(f"{hour:02d}:{minute:02d}", zone, now).when
    assert now < when <= now + timedelta(hours=26)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2020-01-01 18:00", "past"),
        ("yesterday-ish", "Accepted forms"),
        ("today 6am", "already passed"),
    ],
)
def test_bad_or_past_times_say_what_is_accepted(text: str, fragment: str) -> None:
    with pytest.raises(ReadingError, match=fragment):
        read_when(text, BERLIN, NOW)


def test_durations_default_limit_and_explain() -> None:
    assert read_duration(None) == timedelta(hours=1)
    assert read_duration("1h30m") == timedelta(minutes=90)
    with pytest.raises(ReadingError, match="at most 24 hours"):
        read_duration("25h")
    with pytest.raises(ReadingError, match="at least"):
        read_duration("2m")
    with pytest.raises(ReadingError, match="Accepted"):
        read_duration("forever")


# --- polls -----------------------------------------------------------------------------------


def test_poll_options_are_parsed_in_order_with_semicolons_when_needed() -> None:
    parsed = read_poll_options("tue 18:00, wed 18:00, 10 Dec 17:30", BERLIN, NOW)
    assert [local(p.when, BERLIN) for p in parsed] == [
        "2026-12-08 18:00 +0100",
        "2026-12-09 18:00 +0100",
        "2026-12-10 17:30 +0100",
    ]
    assert split_options("Dec 8, 2026 5pm; Dec 9, 2026 5pm") == [
        "Dec 8, 2026 5pm",
        "Dec 9, 2026 5pm",
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (", ".join(f"{h}:00" for h in range(8, 19)), "at most 10"),
        ("tue 18:00", "at least two"),
        ("tue 18:00, tue 6pm", "same time"),
        ("tue 18:00, someday", "Option 2"),
        ("tue 18:00, 2020-01-01 10:00", "past"),
    ],
)
def test_bad_poll_options_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(ReadingError, match=fragment):
        read_poll_options(text, BERLIN, NOW)


def test_poll_closing_time() -> None:
    earliest = NOW + timedelta(days=3)
    assert read_closes(None, BERLIN, NOW, earliest) == NOW + timedelta(hours=24)
    soon = NOW + timedelta(hours=5)
    assert read_closes(None, BERLIN, NOW, soon) == soon - timedelta(minutes=30)
    assert read_closes("12h", BERLIN, NOW, earliest) == NOW + timedelta(hours=12)
    assert local(read_closes("sat 12:00", BERLIN, NOW, earliest), BERLIN) == (
        "2026-12-05 12:00 +0100"
    )
    with pytest.raises(ReadingError, match="before its earliest option"):
        read_closes("4d", BERLIN, NOW, earliest)
    with pytest.raises(ReadingError, match="too soon"):
        read_closes(None, BERLIN, NOW, NOW + timedelta(minutes=20))


def tally(position: int, hours: int, *voters: int) -> PollTally:
    return PollTally(position, NOW + timedelta(hours=hours), frozenset(voters))


POLL_TABLE = [
    ([tally(1, 10, 1), tally(2, 20, 1, 2), tally(3, 30, 3)], 2),  # most votes
    ([tally(1, 30, 1, 2), tally(2, 20, 3, 4), tally(3, 10, 5)], 2),  # tie: the earliest
    ([tally(1, -1, 1, 2, 3), tally(2, 20, 4)], 2),  # past options cannot win
    ([tally(1, 10), tally(2, 20)], None),  # nobody voted
    ([tally(1, -5, 1)], None),  # everything passed
]


@pytest.mark.parametrize(("options", "expected"), POLL_TABLE)
def test_poll_winner(options: list[PollTally], expected: int | None) -> None:
    winner = poll_winner(options, NOW)
    assert (winner.position if winner else None) == expected


@given(
    st.lists(
        st.tuples(st.integers(-48, 500), st.frozensets(st.integers(1, 8), max_size=8)),
        min_size=1,
        max_size=10,
    )
)
def test_poll_winner_has_the_most_votes_and_is_earliest_among_equals(
    raw: list[tuple[int, frozenset[int]]],
) -> None:
    options = [
        PollTally(i + 1, NOW + timedelta(hours=h, minutes=i), voters)
        for i, (h, voters) in enumerate(raw)
    ]
    winner = poll_winner(options, NOW)
    future = [o for o in options if o.starts_at > NOW and o.voters]
    if not future:
        assert winner is None
        return
    assert winner is not None and winner in future
    best = max(len(o.voters) for o in future)
    assert len(winner.voters) == best
    assert winner.starts_at == min(o.starts_at for o in future if len(o.voters) == best)
    assert poll_winner(list(reversed(options)), NOW) == winner


# --- lead rotation ---------------------------------------------------------------------------


def past(days_ago: int, lead: int | None, *attendees: int) -> PastSession:
    return PastSession(NOW - timedelta(days=days_ago), lead, frozenset(attendees))


def test_lead_rotation_table() -> None:
    members = {1, 2, 3, 4, 5}
    assert next_lead([], members) is None
    # 2 led last week; 1 and 3 attended and never led: the lower id of the most regular.
    history = [past(7, 2, 1, 2, 3), past(14, None, 1, 3)]
    assert next_lead(history, members) == 1
    # 1 led three weeks ago, 3 never: 3 first.
    history = [past(7, 2, 1, 3), past(14, 4, 1, 3), past(21, 1, 1, 3, 4)]
    assert next_lead(history, members) == 3
    # Someone who left the server is never chosen; a member who only attended long ago isn't.
    history = [past(7, 2, 2, 9)] + [past(7 * k, 2, 2) for k in range(2, 8)] + [past(70, 1, 5)]
    assert next_lead(history, members) == 2  # only 2 attended recently: they lead again


def test_lead_rotation_ignores_input_order() -> None:
    history = [past(7, 2, 1, 3, 4), past(14, 3, 1, 2), past(21, None, 4, 5)]
    assert next_lead(history, [5, 4, 3, 2, 1]) == next_lead(
        list(reversed(history)), [1, 2, 3, 4, 5]
    )


@given(st.integers(2, 8), st.integers(1, 30))
def test_constant_attendance_rotates_through_everyone_before_repeating(
    people: int, rounds: int
) -> None:
    members = list(range(1, people + 1))
    history: list[PastSession] = []
    leads = []
    for week in range(rounds):
        lead = next_lead(history, members)
        lead = members[0] if lead is None else lead  # the first session: someone volunteers
        leads.append(lead)
        history.append(PastSession(NOW + timedelta(days=7 * week), lead, frozenset(members)))
    for start in range(0, len(leads), people):
        block = leads[start : start + people]
        assert len(set(block)) == len(block)


@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(1, 6)), st.frozensets(st.integers(1, 6))),
        max_size=12,
    ),
    st.frozensets(st.integers(1, 6), min_size=1),
)
def test_the_lead_attended_recently_and_has_not_led_recently_when_possible(
    raw: list[tuple[int | None, frozenset[int]]], members: frozenset[int]
) -> None:
    history = [
        PastSession(NOW - timedelta(days=7 * (i + 1)), lead, who)
        for i, (lead, who) in enumerate(raw)
    ]
    lead = next_lead(history, members)
    recent = history[:6]
    attended = {p for s in recent for p in s.attendees | ({s.lead_id} - {None})} & members
    if not attended:
        assert lead is None
        return
    assert lead in attended
    led_recently = {s.lead_id for s in history[:3]}
    if attended - led_recently:
        assert lead not in led_recently


# --- sessions and recurrence -----------------------------------------------------------------


def test_session_plan_keeps_only_reminders_still_ahead() -> None:
    start = NOW + timedelta(hours=5)
    plan = session_plan(
        7, start, start + timedelta(hours=1), (timedelta(hours=24), timedelta(hours=1)), NOW
    )
    assert [(p.key, p.due_at - NOW) for p in plan] == [
        ("reading-reminder:7:3600", timedelta(hours=4)),
        ("reading-start:7", timedelta(hours=5)),
        ("reading-wrapup:7", timedelta(hours=6)),
    ]


def test_rsvp_toggle() -> None:
    assert toggled(None, "going") == "going"
    assert toggled("going", "going") is None
    assert toggled("going", "maybe") == "maybe"


def test_weekly_series_keeps_its_wall_clock_time_across_dst() -> None:
    series = Series(1, time(18, 0), timedelta(hours=1), 6)  # Tuesdays 18:00
    start = series_start_after(datetime(2026, 3, 20, tzinfo=UTC), series, BERLIN)
    starts = [start]
    for _ in range(3):
        starts.append(series_start_after(starts[-1], series, BERLIN))
    assert [local(s, BERLIN) for s in starts] == [
        "2026-03-24 18:00 +0100",
        "2026-03-31 18:00 +0200",  # after the change to summer time
        "2026-04-07 18:00 +0200",
        "2026-04-14 18:00 +0200",
    ]
    assert starts[1] - starts[0] == timedelta(days=7, hours=-1)
    assert series_due(starts[0], series) == starts[0] - timedelta(days=6)


@given(st.integers(0, 6), st.integers(0, 23), st.integers(0, 3 * 365 * 24))
@settings(max_examples=150, deadline=None)
def test_series_starts_are_weekly_on_the_right_local_day(
    weekday: int, hour: int, hours_after: int
) -> None:
    series = Series(weekday, time(hour, 30), timedelta(hours=1), 6)
    after = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=hours_after)
    start = series_start_after(after, series, NEW_YORK)
    assert after < start <= after + timedelta(days=7, hours=1)
    shown = start.astimezone(NEW_YORK)
    assert shown.weekday() == weekday
    following = series_start_after(start, series, NEW_YORK).astimezone(NEW_YORK)
    assert (following.date() - shown.date()).days == 7


# --- the reading list ------------------------------------------------------------------------


def test_moving_items() -> None:
    assert moved([1, 2, 3, 4], 4, 1) == [4, 1, 2, 3]
    assert moved([1, 2, 3, 4], 1, 3) == [2, 3, 1, 4]
    assert moved([1, 2, 3, 4], 2, 99) == [1, 3, 4, 2]


@given(st.lists(st.integers(), min_size=1, unique=True), st.data())
def test_moving_keeps_every_item_once(order: list[int], data: st.DataObject) -> None:
    item = data.draw(st.sampled_from(order))
    position = data.draw(st.integers(1, len(order)))
    result = moved(order, item, position)
    assert sorted(result) == sorted(order)
    assert result.index(item) == position - 1


def test_links_are_checked_and_compared_loosely() -> None:
    assert clean_url(" <https://arxiv.org/abs/2209.00626> ") == "https://arxiv.org/abs/2209.00626"
    with pytest.raises(ReadingError, match="isn't a web link"):
        clean_url("javascript:alert(1)")
    assert url_key("https://www.readthesequences.com/") == url_key("http://readthesequences.com")


def test_starter_pack_skips_what_is_present_by_link_or_title() -> None:
    assert missing_starter_items([]) == list(STARTER_PACK)
    present = [
        ("Anything", "http://lesswrong.com/rationality"),
        ('richard hamming "you and your research" (1986 talk)', None),
    ]
    missing = missing_starter_items(present)
    assert len(missing) == len(STARTER_PACK) - 2
    assert all(item.url.startswith("https://") for item in STARTER_PACK)


def test_starter_pieces_hosted_on_lesswrong_or_the_alignment_forum_link_there() -> None:
    """So members can comment where the authors read; the other pieces are not hosted there."""
    hosts = {item.title: item.url.split("/")[2] for item in STARTER_PACK}
    forums = {"www.lesswrong.com", "www.alignmentforum.org"}
    off_forum = {title for title, host in hosts.items() if host not in forums}
    assert off_forum == {
        'Richard Hamming, "You and Your Research" (1986 talk)',
        'Eliezer Yudkowsky, "AI Alignment: Why It\'s Hard, and Where to Start" (talk)',
        'Amodei, Olah, Steinhardt, Christiano, Schulman, Mané, "Concrete Problems in AI Safety"',
    }
    titles = set(hosts)
    assert 'Eliezer Yudkowsky, "The Bottom Line"' in titles
    assert 'John Wentworth, "Study Guide"' in titles


def test_autocomplete_ranking() -> None:
    titles = [
        (1, "Risks from Learned Optimization"),
        (2, "The Rocket Alignment Problem"),
        (3, "Rationality: From AI to Zombies"),
    ]
    assert rank_items("r", titles) == [1, 3, 2]
    assert rank_items("align", titles) == [2]
    assert rank_items("", titles) == [1, 2, 3]


def test_a_series_resumes_clear_of_its_latest_session() -> None:
    from cogs.reading.logic import series_resume_after

    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    last = datetime(2026, 12, 8, 17, tzinfo=UTC)
    assert series_resume_after(now, None) == now
    assert series_resume_after(now, last) == datetime(2026, 12, 10, 17, tzinfo=UTC)
    assert series_resume_after(datetime(2027, 1, 1, tzinfo=UTC), last) == datetime(
        2027, 1, 1, tzinfo=UTC
    )
