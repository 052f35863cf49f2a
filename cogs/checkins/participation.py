"""Participation: how many of the cohort checked in, week by week (the digest's lines are in
digest.py).

Pure: no discord, no await.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PARTICIPATION_WEEKS = 12


@dataclass(frozen=True, slots=True)
class WeekParticipation:
    """How many of the cohort answered in one week."""

    week: str
    answered: int
    cohort_size: int

    @property
    def rate(self) -> float:
        """Answered as a share of the cohort, 0.0 for an empty cohort."""
        return self.answered / self.cohort_size if self.cohort_size else 0.0

    @property
    def label(self) -> str:
        """A short label for a chart axis: "W48"."""
        return self.week.rsplit("-", 1)[1]

    def chart_row(self) -> tuple[str, int, int]:
        """(label, answered, cohort size), the row `bot.charts.participation_chart_png` takes."""
        return (self.label, self.answered, self.cohort_size)


def participation(
    weeks: Iterable[str],
    answered_counts: Mapping[str, int],
    cohort_size_by_week: Mapping[str, int],
    limit: int = PARTICIPATION_WEEKS,
) -> list[WeekParticipation]:
    """The last `limit` of `weeks`, oldest first, with counts (0 where there are none).

    A week's cohort size is never below its answer count: a member who answered and then
    left was still in that week's cohort.
    """
    chosen = sorted(set(weeks))[-limit:] if limit > 0 else []
    result: list[WeekParticipation] = []
    for week in chosen:
        answered = max(answered_counts.get(week, 0), 0)
        cohort = max(cohort_size_by_week.get(week, 0), answered)
        result.append(WeekParticipation(week, answered, cohort))
    return result
