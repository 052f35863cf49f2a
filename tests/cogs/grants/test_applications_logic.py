"""The pure rules of grant applications: dates members type, the default decision date, when
the bot asks, and the digest's counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.grants.applications import (
    Application,
    ApplicationError,
    check_decision,
    clean_amount,
    default_decision,
    first_ask_at,
    month_counts,
    month_start,
    read_decision,
    read_submitted,
    starts_anew,
    status_from,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)  # Sunday 16:30 in Berlin


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("today", NOW),
        ("Today", NOW),
        ("yesterday", local("2026-12-05 12:00")),
        ("3 days ago", local("2026-12-03 12:00")),
        ("2 weeks ago", local("2026-11-22 12:00")),
        ("2026-11-20", local("2026-11-20 12:00")),
        ("2026-11-20 14:30", local("2026-11-20 14:30")),
        ("20 Nov", local("2026-11-20 12:00")),
        ("nov 20", local("2026-11-20 12:00")),
        ("20 December", local("2025-12-20 12:00")),  # no year: the latest one not ahead
        ("today 09:15", local("2026-12-06 09:15")),
        ("2025-01-01", local("2025-01-01 12:00")),
    ],
)
def test_read_submitted(typed: str, expected: datetime) -> None:
    assert read_submitted(typed, BERLIN, NOW) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("tomorrow", "in the future"),
        ("2026-12-07", "in the future"),
        ("today 18:00", "in the future"),
        ("2024-11-01", "more than two years ago"),
        ("2026-02-30", "isn't a real date"),
        ("2026-11-20 25:00", "no such time of day"),
        ("last week sometime", "can't read"),
        ("in 3 days", "can't read"),
    ],
)
def test_read_submitted_refuses(typed: str, says: str) -> None:
    with pytest.raises(ApplicationError, match=says):
        read_submitted(typed, BERLIN, NOW)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2027-01-15", local("2027-01-15 12:00")),
        ("15 Jan", local("2027-01-15 12:00")),  # no year: the next one not before today
        ("2026-11-01", local("2026-11-01 12:00")),  # a past decision date is fine
        ("yesterday", local("2026-12-05 12:00")),
        ("in 6 weeks", local("2027-01-17 16:30")),  # /grants add's forms, via bot.timeparse
    ],
)
def test_read_decision(typed: str, expected: datetime) -> None:
    assert read_decision(typed, BERLIN, NOW) == expected


@pytest.mark.parametrize(
    ("submitted", "days", "expected"),
    [
        (local("2026-12-06 16:30"), None, local("2027-01-05 12:00")),  # 30 days by default
        (local("2026-12-06 16:30"), 10, local("2026-12-16 12:00")),
        # across the spring DST change: still midday on the wall clock
        (local("2026-03-20 23:00"), 14, local("2026-04-03 12:00")),
        # the local date counts, not the UTC one (23:30 in Berlin is 22:30 UTC, same day)
        (local("2026-06-01 23:30"), 1, local("2026-06-02 12:00")),
    ],
)
def test_default_decision(submitted: datetime, days: int | None, expected: datetime) -> None:
    assert default_decision(submitted, days, BERLIN) == expected


def test_a_decision_before_the_submission_day_is_refused_the_same_day_is_not() -> None:
    submitted = local("2026-11-20 18:00")
    check_decision(local("2026-11-20 12:00"), submitted, BERLIN)
    check_decision(local("2026-11-20 12:00"), None, BERLIN)  # a draft has no submission yet
    with pytest.raises(ApplicationError, match=r"before the submission date \(20 Nov 2026\)"):
        check_decision(local("2026-11-19 12:00"), submitted, BERLIN)
    with pytest.raises(ApplicationError, match="more than two years after"):
        check_decision(local("2029-01-01 12:00"), submitted, BERLIN)


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (NOW + timedelta(days=30), NOW + timedelta(days=37)),  # a week after the decision
        (NOW - timedelta(days=30), NOW + timedelta(days=7)),  # recorded late: a week from now
        (NOW, NOW + timedelta(days=7)),
    ],
)
def test_first_ask_at(decision: datetime, expected: datetime) -> None:
    assert first_ask_at(decision, NOW) == expected


@pytest.mark.parametrize(
    ("given_status", "submitted_given", "current", "expected"),
    [
        (None, False, None, "drafting"),
        (None, True, None, "submitted"),
        (None, False, "submitted", "submitted"),
        ("funded", False, "submitted", "funded"),
        ("no_answer", True, None, "no_answer"),
    ],
)
def test_status_from(
    given_status: str | None, submitted_given: bool, current: str | None, expected: str
) -> None:
    assert status_from(given_status, submitted_given, current) == expected  # type: ignore[arg-type]


def test_status_from_refuses_an_unknown_status() -> None:
    with pytest.raises(ApplicationError, match="isn't a status"):
        status_from("accepted", False, None)


def test_clean_amount() -> None:
    assert clean_amount("  $40k   for  a year ") == "$40k for a year"
    with pytest.raises(ApplicationError, match="51 characters long; keep it to 50"):
        clean_amount("x" * 51)
    with pytest.raises(ApplicationError, match="empty"):
        clean_amount("   ")


def _app(
    user: int, status: str, submitted: datetime | None, decided: datetime | None, share: bool
) -> Application:
    return Application(
        id=user,
        guild_id=1,
        user_id=user,
        grant_id=1,
        grant_name=f"Grant {user}",
        status=status,  # type: ignore[arg-type]
        submitted_at=submitted,
        decision_at=None,
        amount=None,
        share=share,
        ask_rev=0,
        next_ask_at=None,
        decided_at=decided,
        created_at=NOW,
    )


def test_month_counts_count_this_month_and_name_only_the_shared() -> None:
    since = month_start(NOW, BERLIN)
    assert since == local("2026-12-01 00:00")
    earlier = since - timedelta(days=5)
    counts = month_counts(
        [
            _app(1, "submitted", NOW - timedelta(days=1), None, share=False),
            _app(2, "submitted", NOW - timedelta(days=2), None, share=True),
            _app(3, "funded", earlier, NOW - timedelta(hours=1), share=True),
            _app(4, "declined", earlier, NOW - timedelta(hours=2), share=False),
            _app(5, "withdrawn", earlier, NOW - timedelta(hours=2), share=True),  # not counted
            _app(6, "submitted", earlier, None, share=True),  # last month
            _app(7, "drafting", None, None, share=True),
        ],
        since,
        NOW,
    )
    assert (counts.submitted, counts.funded, counts.declined) == (2, 1, 1)
    assert counts.shared == ((2, "Grant 2", "submitted"), (3, "Grant 3", "funded"))


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 6), timezones=st.just(UTC)
    ),
    st.integers(min_value=1, max_value=365),
)
def test_the_default_decision_is_never_before_the_submission(
    submitted: datetime, days: int
) -> None:
    decision = default_decision(submitted, days, BERLIN)
    check_decision(decision, submitted, BERLIN)  # never refused
    assert decision.astimezone(BERLIN).date() == (
        submitted.astimezone(BERLIN).date() + timedelta(days=days)
    )


@pytest.mark.parametrize(
    ("latest", "status", "submitted", "expected"),
    [
        ("submitted", None, "today", False),  # an open one is updated
        ("drafting", "submitted", None, False),
        ("declined", "funded", None, False),  # a decided one is corrected
        ("declined", None, None, False),  # e.g. share:True afterwards
        ("declined", None, "today", True),  # next round
        ("funded", "drafting", None, True),
        ("no_answer", "submitted", None, True),
    ],
)
def test_starts_anew(
    latest: str, status: str | None, submitted: str | None, expected: bool
) -> None:
    app = _app(1, latest, NOW, None, share=False)
    assert starts_anew(app, status, submitted) is expected
