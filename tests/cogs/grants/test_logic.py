"""Pure grant logic: offsets, reminder times across DST, end of day, recipients, upserts, pages."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timeparse import TimeParseError, localize, parse_deadline, parse_offsets
from cogs.grants.jobs import REMINDER, moved_key, reminder_key, reminder_prefix
from cogs.grants.logic import (
    NAME_MAX,
    STARTER_PACK,
    FeedEvent,
    Grant,
    GrantError,
    clean_name,
    effective_offsets,
    format_offsets,
    http_url,
    name_key,
    next_nudge_at,
    plan_reminders,
    rank_choices,
    read_offsets,
    reminder_at,
    sent_reminders,
    superseded_by,
    unique_name,
    upsert_action,
)
from cogs.grants.messages import DESCRIPTION_MAX, choice_label, escape, list_pages, moved_content

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
D = timedelta(days=1)
H = timedelta(hours=1)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


def grant(
    id: int = 1, name: str = "Fund", deadline: datetime | None = None, **more: object
) -> Grant:
    fields: dict[str, object] = {
        "id": id,
        "guild_id": 10,
        "name": name,
        "deadline": deadline,
        "deadline_zone": "Europe/Berlin",
        "rolling": False,
    }
    fields.update(more)
    return Grant(**fields)  # type: ignore[arg-type]


# --- offsets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("30d,14d,7d,3d,1d", "30d,14d,7d,3d,1d"),
        ("6h, 2d ,7d", "7d,2d,6h"),
        ("1d12h,90m", "1d12h,1h30m"),
        ("1w,7d", "7d"),  # the same duration twice is one reminder
    ],
)
def test_offsets_are_stored_largest_first_in_the_typed_form(typed: str, stored: str) -> None:
    assert format_offsets(parse_offsets(typed)) == stored
    assert read_offsets(stored) == parse_offsets(typed)


@pytest.mark.parametrize("typed", ["soon", "7", "0d", "2 months", "400d", "7d,,x"])
def test_offsets_that_are_not_durations_are_refused(typed: str) -> None:
    with pytest.raises(TimeParseError):
        parse_offsets(typed)


def test_an_empty_stored_offset_list_means_muted() -> None:
    assert read_offsets("") == ()


# --- reminder times ------------------------------------------------------------------------------


def test_whole_days_keep_the_wall_clock_across_spring_forward() -> None:
    deadline = local(BERLIN, 2026, 4, 2, 23, 59)  # CEST, after the 29 March change
    assert reminder_at(deadline, 7 * D, BERLIN) == local(BERLIN, 2026, 3, 26, 23, 59)  # CET
    assert deadline - reminder_at(deadline, 7 * D, BERLIN) == 7 * D - H


def test_whole_days_keep_the_wall_clock_across_fall_back() -> None:
    deadline = local(NEW_YORK, 2026, 11, 5, 23, 59)  # EST, after the 1 November change
    assert reminder_at(deadline, 7 * D, NEW_YORK) == local(NEW_YORK, 2026, 10, 29, 23, 59)
    assert deadline - reminder_at(deadline, 7 * D, NEW_YORK) == 7 * D + H


def test_hours_are_exact_elapsed_time_across_a_change() -> None:
    deadline = local(BERLIN, 2026, 3, 29, 5, 0)
    assert deadline - reminder_at(deadline, 6 * H, BERLIN) == 6 * H


def test_a_reminder_falling_in_the_dst_gap_moves_to_just_after_it() -> None:
    deadline = local(BERLIN, 2026, 4, 5, 2, 30)
    expected, note = localize(datetime(2026, 3, 29, 2, 30), BERLIN)
    assert note is not None  # 02:30 does not exist that night
    assert reminder_at(deadline, 7 * D, BERLIN) == expected
    assert expected.astimezone(BERLIN).hour == 3


def test_a_date_without_a_time_means_23_59_and_reminders_keep_that_time() -> None:
    now = local(BERLIN, 2026, 3, 1, 12, 0)
    parsed = parse_deadline("2026-04-02", BERLIN, now)
    assert parsed.local.replace(tzinfo=None) == datetime(2026, 4, 2, 23, 59)
    one_day = reminder_at(parsed.when, D, BERLIN).astimezone(BERLIN)
    assert (one_day.day, one_day.hour, one_day.minute) == (1, 23, 59)


def test_plan_skips_offsets_whose_time_has_passed() -> None:
    deadline = local(BERLIN, 2026, 5, 10, 23, 59)
    now = deadline - 10 * D
    plan = plan_reminders(deadline, parse_offsets("30d,14d,7d,3d,1d"), BERLIN, now)
    assert [o for o, _ in plan.ahead] == [7 * D, 3 * D, D]
    assert plan.passed == (30 * D, 14 * D)
    assert all(at > now for _, at in plan.ahead)


@settings(max_examples=200, deadline=None)
@given(
    deadline=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=0, max_value=365),
    seconds=st.integers(min_value=0, max_value=86399),
    zone=st.sampled_from([BERLIN, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]),
)
def test_reminders_come_before_the_deadline_by_about_the_offset(
    deadline: datetime, days: int, seconds: int, zone: ZoneInfo
) -> None:
    offset = timedelta(days=days, seconds=seconds)
    if offset <= timedelta(0):
        return
    at = reminder_at(deadline, offset, zone)
    assert at < deadline
    assert abs((deadline - at) - offset) <= 2 * H  # DST moves clocks by at most an hour or two
    if days == 0:
        assert deadline - at == offset


def test_a_nearer_due_reminder_supersedes_a_stale_one_after_downtime() -> None:
    deadline = local(BERLIN, 2026, 5, 10, 23, 59)
    offsets = parse_offsets("14d,7d,1d")
    now = deadline - 5 * D  # 14d and 7d both due, 1d not yet
    assert superseded_by(14 * D, offsets, deadline, BERLIN, now) == 7 * D
    assert superseded_by(7 * D, offsets, deadline, BERLIN, now) is None
    assert superseded_by(7 * D, offsets, deadline, BERLIN, deadline - 7 * D) is None


# --- recipients and keys -------------------------------------------------------------------------


def test_a_grant_subscription_overrides_all_and_an_empty_one_mutes() -> None:
    every = {1: (7 * D,), 2: (3 * D,), 3: (D,)}
    per_grant = {2: (6 * H,), 3: (), 4: (2 * D,)}
    assert effective_offsets(per_grant, every) == {1: (7 * D,), 2: (6 * H,), 4: (2 * D,)}


def test_reminder_keys_name_grant_revision_offset_and_recipient() -> None:
    parent = reminder_key(12, 3, 7 * D)
    assert parent == "grant-reminder:12:3:7d"
    assert REMINDER.key(12, 3, "7d", "channel") == "grant-reminder:12:3:7d:channel"
    assert REMINDER.key(12, 3, "7d", 555) == "grant-reminder:12:3:7d:555"
    assert parent.startswith(reminder_prefix(12))
    assert not reminder_key(123, 0, D).startswith(reminder_prefix(12))
    assert reminder_key(12, 4, 7 * D) != parent  # an edited deadline gets fresh keys


def test_the_nudge_is_the_next_first_of_a_month_at_ten() -> None:
    now = local(BERLIN, 2026, 1, 1, 10, 0)  # exactly at this month's: the next one
    assert next_nudge_at(now, BERLIN) == local(BERLIN, 2026, 2, 1, 10, 0)
    assert next_nudge_at(local(BERLIN, 2026, 12, 31, 9, 0), BERLIN) == local(
        BERLIN, 2027, 1, 1, 10, 0
    )
    assert next_nudge_at(local(BERLIN, 2026, 3, 1, 9, 59), BERLIN) == local(
        BERLIN, 2026, 3, 1, 10, 0
    )


# --- what people type ----------------------------------------------------------------------------


def test_names_compare_without_case_or_spacing() -> None:
    assert clean_name("  Long-Term   Future Fund ") == "Long-Term Future Fund"
    assert name_key("long-term future FUND") == name_key(" Long-Term  Future Fund")
    with pytest.raises(GrantError):
        clean_name("   ")
    with pytest.raises(GrantError):
        clean_name("x" * (NAME_MAX + 1))


@pytest.mark.parametrize("url", ["https://manifund.org/", "http://example.org/a?b=c#d"])
def test_web_links_are_accepted(url: str) -> None:
    assert http_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/feed.ics",
        "javascript:alert(1)",
        "manifund.org",
        "https://exa mple.org",
        "https://user@internal/",
        "file:///etc/passwd",
        "https://" + "a" * 600 + ".org",
    ],
)
def test_other_links_are_refused(url: str) -> None:
    with pytest.raises(GrantError):
        http_url(url)


def test_escape_keeps_markdown_from_typed_names() -> None:
    assert escape("**bold** [x](y)") == "\\*\\*bold\\*\\* \\[x\\](y)"


# --- imports -------------------------------------------------------------------------------------


def event(**more: object) -> FeedEvent:
    fields: dict[str, object] = {
        "uid": "a@x",
        "name": "Round 1",
        "deadline": datetime(2026, 6, 1, tzinfo=UTC),
    }
    fields.update(more)
    return FeedEvent(**fields)  # type: ignore[arg-type]


def test_upsert_by_uid_adds_updates_leaves_and_removes() -> None:
    new = event()
    stored = grant(deadline=new.deadline, source_uid=new.uid, source_hash=new.fingerprint)
    assert upsert_action(None, new) == "add"
    assert upsert_action(stored, new) == "unchanged"
    assert upsert_action(stored, event(deadline=datetime(2026, 6, 2, tzinfo=UTC))) == "update"
    assert upsert_action(stored, event(name="Round 1 (extended)")) == "update"
    assert upsert_action(stored, event(cancelled=True)) == "remove"
    assert upsert_action(None, event(cancelled=True)) == "ignore"


def test_a_local_edit_survives_until_the_feed_changes_the_event() -> None:
    new = event()
    edited = grant(name="Renamed by a moderator", source_hash=new.fingerprint)
    assert upsert_action(edited, new) == "unchanged"


def test_unique_name_adds_the_date_then_a_number() -> None:
    when = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert unique_name("Round", set(), when, BERLIN) == "Round"
    taken = {name_key("Round")}
    assert unique_name("Round", taken, when, BERLIN) == "Round (2026-06-01)"
    taken.add(name_key("Round (2026-06-01)"))
    assert unique_name("Round", taken, when, BERLIN) == "Round (2026-06-01) (2)"


# --- listing -------------------------------------------------------------------------------------

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)


def test_list_puts_upcoming_soonest_first_then_rolling_and_hides_the_past() -> None:
    grants = [
        grant(1, "Later", NOW + 20 * D),
        grant(2, "Sooner", NOW + 2 * D),
        grant(3, "Gone", NOW - D),
        grant(4, "Anytime", None, rolling=True),
        grant(5, "Unknown", None),
    ]
    (page,) = list_pages(grants, NOW, show_past=False)
    text = page.description
    order = [text.index(n) for n in ("Sooner", "Later", "Anytime", "Unknown")]
    assert order == sorted(order)
    assert "Gone" not in text and "1 past deadline(s) hidden" in text
    assert text.index("Upcoming deadlines") < text.index("Rolling") < text.index("check the site")
    assert f"<t:{int((NOW + 2 * D).timestamp())}:F>" in text
    assert f"<t:{int((NOW + 2 * D).timestamp())}:R>" in text
    (with_past,) = list_pages(grants, NOW, show_past=True)
    assert "Gone" in with_past.description and "Past deadlines" in with_past.description


def test_an_empty_list_says_how_to_add_grants() -> None:
    (page,) = list_pages([], NOW, show_past=False)
    assert "/grants add" in page.description


@settings(max_examples=60, deadline=None)
@given(
    specs=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=NAME_MAX).map(lambda s: " ".join(s.split()) or "x"),
            st.one_of(st.none(), st.integers(min_value=-400, max_value=400)),
            st.booleans(),
            st.one_of(st.none(), st.text(max_size=100)),
        ),
        max_size=60,
    ),
    show_past=st.booleans(),
)
def test_every_shown_grant_is_on_exactly_one_page_within_embed_limits(
    specs: list[tuple[str, int | None, bool, str | None]], show_past: bool
) -> None:
    grants = [
        grant(
            i + 1,
            f"g{i + 1}:{name}",
            None if days is None else NOW + timedelta(days=days),
            rolling=rolling,
            funder=funder,
            url=f"https://example.org/{i + 1}",
        )
        for i, (name, days, rolling, funder) in enumerate(specs)
    ]
    pages = list_pages(grants, NOW, show_past=show_past)
    assert all(len(p.description) <= DESCRIPTION_MAX for p in pages)
    assert [p.number for p in pages] == list(range(len(pages)))
    for g in grants:
        shown = show_past or g.deadline is None or g.deadline > NOW
        marker = f"(https://example.org/{g.id})"
        hits = sum(p.description.count(marker) for p in pages)
        assert hits == (1 if shown else 0), g


@settings(max_examples=100, deadline=None)
@given(name=st.text(min_size=1, max_size=NAME_MAX), days=st.integers(-1000, 1000))
def test_autocomplete_labels_fit_discord(name: str, days: int) -> None:
    label = choice_label(grant(name=name, deadline=NOW + timedelta(days=days)), BERLIN)
    assert 1 <= len(label) <= 100


def test_autocomplete_ranks_prefix_matches_and_upcoming_first() -> None:
    grants = [
        grant(1, "Big Fund", NOW - D),
        grant(2, "Fund A", NOW + 9 * D),
        grant(3, "Fund B", NOW + 2 * D),
        grant(4, "Other"),
    ]
    assert [g.id for g in rank_choices(grants, "fund", NOW)] == [3, 2, 1]


# --- the starter pack ----------------------------------------------------------------------------


def test_starter_pack_has_official_links_and_no_dates() -> None:
    names = [name_key(e.name) for e in STARTER_PACK]
    assert len(names) == len(set(names))
    for entry in STARTER_PACK:
        assert http_url(entry.url).startswith("https://")
        assert not any("date" in f.name or "deadline" in f.name for f in dataclasses.fields(entry))
        assert re.search(r"\b(19|20)\d\d\b", entry.notes) is None  # no invented years
        assert entry.checked_on is not None


def test_the_starter_pack_is_as_funders_are_now() -> None:
    """Open Philanthropy is Coefficient Giving; the LTFF entry links its past grants and says
    how long a decision takes; programs that are not remote grants say so."""
    by_name = {entry.name: entry for entry in STARTER_PACK}
    assert "Open Philanthropy" not in by_name
    assert by_name["Coefficient Giving"].url == "https://coefficientgiving.org/"
    assert "Formerly Open Philanthropy" in by_name["Coefficient Giving"].notes
    ltff = by_name["Long-Term Future Fund"]
    assert ltff.decision_days == 30
    assert "https://funds.effectivealtruism.org/grants" in ltff.notes
    assert ltff.notes.count("https://") == 1 and "about a month" in ltff.notes
    assert by_name["MATS"].notes.startswith("Not a grant for remote independent work")


def test_sent_reminders_count_only_the_current_round() -> None:
    """Reminders sent before the round began (an older deadline that passed) do not count."""
    payloads = [
        {"grant_id": 1, "rev": 0, "offset": 86400 * 7, "user_id": None},  # last year's round
        {"grant_id": 1, "rev": 2, "offset": 86400 * 3, "user_id": None},
        {"grant_id": 1, "rev": 3, "offset": 86400 * 3, "user_id": 42},
    ]
    assert sent_reminders(payloads, cycle_rev=2) == {
        (timedelta(days=3), None),
        (timedelta(days=3), 42),
    }
    assert (timedelta(days=7), None) in sent_reminders(payloads, cycle_rev=0)


def test_a_plan_names_offsets_already_sent_instead_of_scheduling_them() -> None:
    deadline = datetime(2026, 3, 12, 22, 59, tzinfo=UTC)
    now = datetime(2026, 3, 8, 12, tzinfo=UTC)
    plan = plan_reminders(
        deadline, parse_offsets("7d,3d,1d"), BERLIN, now, sent={timedelta(days=3)}
    )
    assert [o for o, _at in plan.ahead] == [timedelta(days=1)]  # 3d is ahead, but was sent
    assert plan.passed == (timedelta(days=7),)
    assert plan.sent == (timedelta(days=3),)


def test_the_moved_notice_shows_both_times_and_cannot_ping() -> None:
    old = datetime(2026, 3, 10, 22, 59, tzinfo=UTC)
    new = datetime(2026, 3, 12, 22, 59, tzinfo=UTC)
    grant = Grant(1, 5, "<@123> **LTFF**", old, "Europe/Berlin", False)
    text = moved_content(grant, old, new)
    assert f"from <t:{int(old.timestamp())}:F> to <t:{int(new.timestamp())}:F>" in text
    assert "\\*\\*LTFF\\*\\*" in text  # typed markdown shown as itself
    assert "no longer has a deadline" in moved_content(grant, old, None)
    # Its keys never fall under the reminder prefix a later edit cancels.
    assert not moved_key(1, 2).startswith(reminder_prefix(1))


def test_a_sub_day_reminder_before_a_deadline_in_the_repeated_hour_is_exact() -> None:
    # 2028-11-05 06:00 UTC is 01:00 EST, the second 01:00 of New York's fall-back fold.
    deadline = datetime(2028, 11, 5, 6, 0, tzinfo=UTC)
    assert reminder_at(deadline, timedelta(seconds=1), NEW_YORK) == deadline - timedelta(seconds=1)
