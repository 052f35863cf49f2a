"""Feedback swaps' pure rules: input checks, cadence, follow-up timing, ledger, confidentiality."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.feedback_swaps.logic import (
    DEFAULT_TOPICS,
    EXTENSION,
    MAX_EXTENSIONS,
    MAX_TOPICS,
    MIN_LEAD,
    Ledger,
    RuleError,
    check_draft_limit,
    check_due,
    completion,
    extended_due,
    followup_at,
    is_matchable,
    member_reason,
    next_round_at,
    parse_length,
    parse_link,
    parse_topic_list,
    parse_topics,
    round_slot,
    rounds_ago_pairs,
    topic_choices,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    "link",
    ["https://docs.google.com/document/d/abc", "http://example.org/a?b=c#d", "HTTPS://Ex.org"],
)
def test_links_that_are_accepted(link: str) -> None:
    assert parse_link(f"  {link} ") == link


@pytest.mark.parametrize(
    "link",
    ["ftp://example.org/x", "example.org/draft", "javascript:alert(1)", "https://", "https://a b"],
)
def test_links_that_are_refused(link: str) -> None:
    with pytest.raises(RuleError, match="http:// or https://"):
        parse_link(link)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("4000 words", "4,000 words"),
        ("4k", "4,000 words"),
        ("~4,500 w", "4,500 words"),
        ("20 min", "20 minutes"),
        ("1 minute", "1 minute"),
        ("12 pages", "12 pages"),
        ("1.5k words", "1,500 words"),
    ],
)
def test_lengths_are_normalised(typed: str, shown: str) -> None:
    assert parse_length(typed) == shown


@pytest.mark.parametrize("typed", ["long", "0 words", "3 hours", ""])
def test_unreadable_lengths_are_refused(typed: str) -> None:
    with pytest.raises(RuleError):
        parse_length(typed)


def test_topics_match_the_server_list_ignoring_case_and_spacing() -> None:
    assert parse_topics(" ML   experiments, INTERPRETABILITY,", DEFAULT_TOPICS) == (
        "ML experiments",
        "interpretability",
    )
    assert parse_topics(None, DEFAULT_TOPICS) == ()
    with pytest.raises(RuleError, match="Unknown topic: astrology"):
        parse_topics("evals, astrology", DEFAULT_TOPICS)


def test_topic_autocomplete_completes_the_last_part_and_skips_chosen_ones() -> None:
    assert topic_choices("interp", DEFAULT_TOPICS) == ["interpretability"]
    assert "interpretability, governance" in topic_choices("interpretability, gov", DEFAULT_TOPICS)
    assert all(
        "interpretability, interpretability" not in c
        for c in topic_choices("interpretability, ", DEFAULT_TOPICS)
    )
    assert len(topic_choices("", DEFAULT_TOPICS)) == len(DEFAULT_TOPICS)


def test_topic_list_from_the_form() -> None:
    assert parse_topic_list("Evals\n\n  red   teaming \nevals\n") == ("Evals", "red teaming")
    with pytest.raises(RuleError, match="comma"):
        parse_topic_list("a, b")
    with pytest.raises(RuleError, match="at least one"):
        parse_topic_list("\n \n")
    with pytest.raises(RuleError, match=f"at most {MAX_TOPICS}"):
        parse_topic_list("\n".join(f"t{i}" for i in range(MAX_TOPICS + 1)))


def test_due_dates_need_a_day_after_the_next_round() -> None:
    next_round = NOW + timedelta(days=3)
    check_due(next_round + MIN_LEAD, NOW, next_round)
    with pytest.raises(RuleError, match="too soon"):
        check_due(next_round + MIN_LEAD - timedelta(minutes=1), NOW, next_round)
    check_due(NOW + MIN_LEAD, NOW, None)
    with pytest.raises(RuleError, match="too soon"):
        check_due(NOW + timedelta(hours=2), NOW, None)
    assert is_matchable(NOW + MIN_LEAD, NOW) and not is_matchable(NOW + timedelta(hours=23), NOW)


def test_draft_limit() -> None:
    check_draft_limit(1, 2)
    with pytest.raises(RuleError, match="limit in this server is 2"):
        check_draft_limit(2, 2)


def test_weekly_rounds_keep_local_time_across_dst() -> None:
    """Monday 10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer."""
    winter = next_round_at(NOW, weekday=0, at=time(10), zone=BERLIN, cadence="weekly", anchor=None)
    assert winter == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    summer = next_round_at(
        datetime(2027, 3, 25, tzinfo=UTC),
        weekday=0,
        at=time(10),
        zone=BERLIN,
        cadence="weekly",
        anchor=None,
    )
    assert summer == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert round_slot(winter, BERLIN) == "2026-11-23"


def test_biweekly_rounds_fall_on_the_anchor_fortnights() -> None:
    anchor = date(2026, 11, 23)
    after_first = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    found = next_round_at(
        after_first, weekday=0, at=time(10), zone=BERLIN, cadence="biweekly", anchor=anchor
    )
    assert found == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@given(
    now=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    cadence=st.sampled_from(["weekly", "biweekly"]),
    anchor_offset=st.integers(-400, 400),
)
def test_next_round_is_the_first_matching_local_slot_after_now(
    now: datetime, weekday: int, hour: int, minute: int, cadence: str, anchor_offset: int
) -> None:
    anchor = date(2026, 11, 23) + timedelta(days=7 * anchor_offset)  # a Monday
    anchor += timedelta(days=weekday)
    found = next_round_at(
        now, weekday=weekday, at=time(hour, minute), zone=BERLIN, cadence=cadence, anchor=anchor
    )
    local = found.astimezone(BERLIN)
    step = 7 if cadence == "weekly" else 14
    assert found > now
    assert found - now <= timedelta(days=step, hours=2)
    assert local.weekday() == weekday
    # the wall time is kept, except inside a spring-forward gap (moved to just after it)
    assert (local.hour, local.minute) == (hour, minute) or local.dst()
    if cadence == "biweekly":
        assert (local.date() - anchor).days % 14 == 0


@given(
    lead=st.timedeltas(min_value=timedelta(hours=1), max_value=timedelta(days=60)),
)
def test_followup_falls_between_assignment_and_due_date(lead: timedelta) -> None:
    due = NOW + lead
    asked = followup_at(NOW, due)
    assert NOW < asked <= due
    if lead >= timedelta(days=2):
        assert asked == due - timedelta(days=1)


def test_extensions_are_limited() -> None:
    due = NOW + timedelta(days=5)
    assert extended_due(due, 0) == due + EXTENSION
    with pytest.raises(RuleError, match="already taken"):
        extended_due(due, MAX_EXTENSIONS)


def test_ledger_balance_and_rating() -> None:
    owes = Ledger(given=1, received=3, ratings=(4, 5))
    assert owes.balance == 2
    assert owes.describe() == (
        "Given 1, received 3 (you owe 2 reviews); helpfulness 4.5/5 from 2 ratings."
    )
    assert Ledger(2, 1).describe() == "Given 2, received 1 (1 review in credit)."
    assert Ledger(0, 0).describe() == "Given 0, received 0 (even)."


def test_completion_counts_only_ended_assignments_in_the_rate() -> None:
    done = completion(["done", "done", "lapsed", "active", "withdrawn", "cancelled"])
    assert (done.total, done.done, done.active) == (6, 2, 1)
    assert done.rate == pytest.approx(0.5)
    assert completion([]).rate is None


def test_recent_pairs_count_rounds_from_the_newest() -> None:
    assert rounds_ago_pairs([[(1, 2)], [], [(3, 4), (5, 6)]]) == [
        (1, 2, 1),
        (3, 4, 3),
        (5, 6, 3),
    ]


def test_reasons_that_could_reveal_an_avoid_list_are_said_generically() -> None:
    leak = (
        "no reviewer this round: nobody in the pool may review it "
        "(the author's own draft or an avoid list)"
    )
    assert (
        member_reason(leak) == "no reviewer this round: no reviewer in the pool was free to take it"
    )
    assert "avoid" not in member_reason(
        "no open draft they may review (their own draft or an avoid list)"
    )
    fine = "no reviewer this round: the one reviewer who may review it is fully booked"
    assert member_reason(fine) == fine
