"""Participation: how many of the cohort checked in, week by week, and the digest's lines.

Pure: no discord, no await.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


def digest_lines(
    weeks: Sequence[WeekParticipation], milestones: Sequence[tuple[int, int]]
) -> list[str]:
    """The weekly digest's check-in lines: this week against the four before it, and the
    members whose streak reached a milestone (`milestones`: (member id, streak) pairs).

    `weeks` is oldest first and ends with this week.
    """
    if not weeks:
        return []
    this, before = weeks[-1], [w for w in weeks[-5:-1] if w.cohort_size]
    lines = [
        f"This week: {this.answered} of {max(this.cohort_size, this.answered)} checked in"
        f" ({this.rate:.0%})."
    ]
    if before:
        average = sum(w.rate for w in before) / len(before)
        trend = "up from" if this.rate > average else "down from" if this.rate < average else "as"
        lines.append(f"The four weeks before: {average:.0%} on average ({trend} that).")
    if milestones:
        named = ", ".join(f"<@{member}> {weeks_} weeks" for member, weeks_ in milestones[:10])
        more = f" and {len(milestones) - 10} more" if len(milestones) > 10 else ""
        lines.append(f"Streak milestones: {named}{more}.")
    return lines
