"""The check-in lines of the weekly digest: the week that was (digest.py), as tables."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.checkins.digest import WeekThatWas, digest_lines, plans_line, trend_line
from cogs.checkins.participation import WeekParticipation

OPEN_UNTIL = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
OPEN = f"This week's check-in is open until <t:{int(OPEN_UNTIL.timestamp())}:F>."


def week(n: int, answered: int, cohort: int = 10) -> WeekParticipation:
    return WeekParticipation(f"2026-W{n:02d}", answered, cohort)


@pytest.mark.parametrize(
    ("marks", "line"),
    [
        ({}, None),
        ({"done": 0}, None),
        (
            {"done": 3, "partly": 1, "not_done": 1},
            "Plans kept: 3 done, 1 partly, 1 not done of 5 marked.",
        ),
        ({"partly": 2}, "Plans kept: 0 done, 2 partly, 0 not done of 2 marked."),
        (
            {"done": 1, "changed": 2},
            "Plans kept: 1 done, 0 partly, 0 not done, 2 changed of 3 marked.",
        ),
    ],
)
def test_plans_kept(marks: dict[str, int], line: str | None) -> None:
    assert plans_line(marks) == line


@pytest.mark.parametrize(
    ("closed", "line"),
    [
        ([], None),
        ([week(1, 0, cohort=0)], None),
        ([week(1, 5)], "Trend: 50% on average over the last round."),
        (
            [week(1, 4), week(2, 6)],
            "Trend: 50% on average over the last 2 rounds; up from 40% the round before.",
        ),
        (
            [week(1, 9), week(2, 2), week(3, 4), week(4, 6), week(5, 4)],
            # The four latest rounds only: (20 + 40 + 60 + 40) / 4.
            "Trend: 40% on average over the last 4 rounds; down from 60% the round before.",
        ),
        (
            [week(1, 3), week(2, 3)],
            "Trend: 30% on average over the last 2 rounds; level with 30% the round before.",
        ),
    ],
)
def test_trend(closed: list[WeekParticipation], line: str | None) -> None:
    assert trend_line(closed) == line


@pytest.mark.parametrize(
    ("week_that_was", "lines"),
    [
        (WeekThatWas(), []),
        (
            WeekThatWas(open_until=OPEN_UNTIL),
            [
                "No round has closed yet; this week's check-in is open until"
                f" <t:{int(OPEN_UNTIL.timestamp())}:F>."
            ],
        ),
        (
            WeekThatWas(
                closed=[
                    week(44, 5, 6),
                    week(45, 3, 6),
                    week(46, 4, 6),
                    week(47, 4, 6),
                    week(48, 5, 6),
                ],
                plan_marks={"done": 3, "partly": 1, "not_done": 1},
                asks=2,
                offers=1,
                milestones=2,
                open_until=OPEN_UNTIL,
            ),
            [
                "Last week (Week 48): 5 of 6 checked in (83%).",
                "Plans kept: 3 done, 1 partly, 1 not done of 5 marked.",
                "Trend: 67% on average over the last 4 rounds; up from 67% the round before.",
                "Asks shared: 2; help offered: 1.",
                "Streak milestones reached: 2 members.",
                OPEN,
            ],
        ),
        (
            # A round whose cohort was empty has no rate to average.
            WeekThatWas(closed=[week(48, 0, 0)]),
            ["Last week (Week 48): 0 of 0 checked in (0%).", "Asks shared: 0; help offered: 0."],
        ),
    ],
)
def test_digest_lines(week_that_was: WeekThatWas, lines: list[str]) -> None:
    assert digest_lines(week_that_was) == lines


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=8),
    st.dictionaries(st.sampled_from(["done", "partly", "not_done", "changed"]), st.integers(0, 9)),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_only_numbers_and_no_mentions(
    rows: list[tuple[int, int]], marks: dict[str, int], asks: int, offers: int
) -> None:
    closed = [week(n + 1, a, c) for n, (a, c) in enumerate(rows)]
    lines = digest_lines(WeekThatWas(closed, marks, asks, offers, open_until=OPEN_UNTIL))
    assert lines[-1].endswith(f"<t:{int(OPEN_UNTIL.timestamp())}:F>.")
    assert not any("<@" in line for line in lines)
