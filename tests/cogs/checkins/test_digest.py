"""The check-in lines of the weekly digest."""

from __future__ import annotations

from cogs.checkins.participation import WeekParticipation, digest_lines


def week(n: int, answered: int, cohort: int = 10) -> WeekParticipation:
    return WeekParticipation(f"2026-W{n:02d}", answered, cohort)


def test_this_week_against_the_four_before() -> None:
    weeks = [week(40, 9), week(41, 5), week(42, 5), week(43, 5), week(44, 5), week(45, 8)]
    assert digest_lines(weeks, []) == [
        "This week: 8 of 10 checked in (80%).",
        "The four weeks before: 50% on average (up from that).",
    ]


def test_a_quieter_week_says_down_and_milestones_are_named() -> None:
    lines = digest_lines([week(1, 6), week(2, 3)], [(11, 8), (22, 4)])
    assert lines == [
        "This week: 3 of 10 checked in (30%).",
        "The four weeks before: 60% on average (down from that).",
        "Streak milestones: <@11> 8 weeks, <@22> 4 weeks.",
    ]


def test_first_week_and_empty_cohort_weeks() -> None:
    assert digest_lines([], []) == []
    assert digest_lines([week(1, 0, cohort=0), week(2, 2, cohort=4)], []) == [
        "This week: 2 of 4 checked in (50%)."
    ]


def test_many_milestones_are_capped() -> None:
    lines = digest_lines([week(3, 1)], [(i, 4) for i in range(13)])
    assert lines[-1].endswith("and 3 more.")
