"""The Hamming loop's pure side: how plans went, completion rates and the drift rule.

A reflection is one member's row for one round (migration 0013): the mark of the plan they
wrote in an earlier round ("done", "partly", "not_done", "changed"; None while unmarked) and
their own answer to "did this week's work move your most important problem?" ("yes",
"partly", "no"; None while unanswered). No discord, no await.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.errors import DomainError

PLAN_MARKS = ("done", "partly", "not_done", "changed")
PLAN_MARK_LABELS = {
    "done": "Done",
    "partly": "Partly",
    "not_done": "Not done",
    "changed": "Plan changed",
}
ON_PATH_VALUES = ("yes", "partly", "no")
ON_PATH_LABELS = {"yes": "Yes", "partly": "Partly", "no": "No"}
# What a mark is worth in the completion rate; "changed" is left out of it (a plan that was
# rightly dropped is neither followed through nor failed).
MARK_SCORES = {"done": 1.0, "partly": 0.5, "not_done": 0.0}
WHY_MAX = 200
RATE_WINDOWS = (4, 12)


class WhyTooLong(DomainError):
    def __init__(self, length: int) -> None:
        super().__init__(
            f"That why is {length} characters; one line of at most {WHY_MAX} is accepted."
            " Nothing was saved."
        )


def clean_why(text: str) -> str | None:
    """The why as stored: one line, trimmed; None when empty. Over WHY_MAX is refused."""
    line = " ".join(text.split())
    if len(line) > WHY_MAX:
        raise WhyTooLong(len(line))
    return line or None


@dataclass(frozen=True, slots=True)
class Completion:
    """How plans went: `rate` in [0, 1] over `marked` scored plans (None when there are none)."""

    rate: float | None
    marked: int

    def text(self) -> str:
        """ "75% of 4 marked plans", or "no marked plans yet"."""
        if self.rate is None:
            return "no marked plans yet"
        plural = "plan" if self.marked == 1 else "plans"
        return f"{self.rate:.0%} of {self.marked} marked {plural}"


def completion(marks: Iterable[str | None]) -> Completion:
    """Done = 1, partly = 0.5, not done = 0; plan changed and unmarked plans are left out."""
    scores = [MARK_SCORES[mark] for mark in marks if mark in MARK_SCORES]
    if not scores:
        return Completion(None, 0)
    return Completion(sum(scores) / len(scores), len(scores))


def cohort_completion(marks: Iterable[str | None]) -> Completion:
    """The cohort's rate over one round: every member's mark of that round, as `completion`.

    An aggregate only (for the digest): it names nobody and needs no member ids.
    """
    return completion(marks)


@dataclass(frozen=True, slots=True)
class Reflected:
    """One round of a member's loop, for the drift rule: the round's week and their answers."""

    week: str
    plan_mark: str | None
    on_path: str | None


def _run(values: Iterable[str | None], bad: str) -> int:
    """How many answered values, from the latest back, are `bad` in a row (None: not asked)."""
    run = 0
    for value in values:
        if value is None:
            continue
        if value != bad:
            break
        run += 1
    return run


def drifting(history: Sequence[Reflected], weeks: int) -> bool:
    """`weeks` answers in a row of "no, it did not move my problem", or `weeks` plans in a
    row marked not done. `history` is oldest first. Rounds where the member gave no answer
    (or left the plan unmarked) neither count nor break a run; "partly", "yes", "done",
    "partly done" and "plan changed" break it.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    latest_first = list(reversed(history))
    return (
        _run((r.on_path for r in latest_first), "no") >= weeks
        or _run((r.plan_mark for r in latest_first), "not_done") >= weeks
    )


def drift_began(history: Sequence[Reflected], week: str, weeks: int) -> bool:
    """Whether the member should be told at `week`'s close: they reflected in that round, are
    drifting now and were not at their previous round (so once per run, not again until the
    run is broken). `history` is oldest first and ends at `week` or before it.
    """
    if not history or history[-1].week != week:
        return False
    return drifting(history, weeks) and not drifting(history[:-1], weeks)


def rate_windows(
    marks_by_week: Sequence[tuple[str, str | None]], weeks: Sequence[str]
) -> dict[int, Completion]:
    """The completion over the last 4 and 12 of `weeks` (the server's round weeks, oldest
    first, up to now); `marks_by_week` are the member's (round week, mark) pairs."""
    result: dict[int, Completion] = {}
    for window in RATE_WINDOWS:
        recent = set(weeks[-window:])
        result[window] = completion(mark for week, mark in marks_by_week if week in recent)
    return result
