"""Streaks: consecutive answered weeks, for one member or folded for every member at once.

Pure: no discord, no await. An answered week counts; a week the member was away (`/checkin
skip`, `/me pause`) or a week without a round neither counts nor breaks; any other week breaks
the run. The current week does not break it while its round is still open.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cogs.checkins.weeks import shift_week, weeks_between

MILESTONES = (4, 8, 12, 26, 52)


def streak(
    weeks_answered: Collection[str],
    weeks_skipped: Collection[str],
    current_week: str,
    current_week_open: bool,
) -> int:
    """Consecutive answered weeks, counting back from now.

    Counting starts at the current week if it is answered; otherwise at the week before if
    the current round is still open (the member may yet answer), and an unanswered closed
    current week ends the streak at 0. Skipped weeks (`skip`, or weeks without a round)
    neither break nor count. Weeks after `current_week` are ignored.
    """
    answered = {week for week in weeks_answered if week <= current_week}
    skipped = set(weeks_skipped)
    if not answered:
        return 0
    earliest = min(answered)
    count = 0
    week = current_week
    if week not in answered and week not in skipped:
        if not current_week_open:
            return 0
        week = shift_week(week, -1)
    while week >= earliest:
        if week in answered:
            count += 1
        elif week not in skipped:
            break
        week = shift_week(week, -1)
    return count


def longest_streak(weeks_answered: Collection[str], weeks_skipped: Collection[str]) -> int:
    """The longest run of answered weeks ever, skipped weeks neither breaking nor counting."""
    if not weeks_answered:
        return 0
    answered, skipped = set(weeks_answered), set(weeks_skipped)
    best = run = 0
    week, last = min(answered), max(answered)
    while week <= last:
        if week in answered:
            run += 1
            best = max(best, run)
        elif week not in skipped:
            run = 0
        week = shift_week(week, 1)
    return best


def is_milestone(length: int) -> bool:
    """Whether a streak of this length is worth a mention: 4, 8, 12, 26, 52, then every year."""
    return length in MILESTONES or (length > MILESTONES[-1] and length % 52 == 0)


def milestone_reached(before: int, after: int) -> int | None:
    """The largest milestone a streak passed going from `before` to `after` weeks, if any."""
    reached = [n for n in range(before + 1, after + 1) if is_milestone(n)]
    return reached[-1] if reached else None


def weeks_without_round(round_weeks: Collection[str], first: str, last: str) -> set[str]:
    """The weeks from `first` to `last` that had no round (bot down, check-ins paused).

    Streaks treat them like skipped weeks: nobody could answer, so they neither break
    nor count.
    """
    held = set(round_weeks)
    return {week for week in weeks_between(first, last) if week not in held}


@dataclass(frozen=True, slots=True)
class MemberWeeks:
    """One member's record: the weeks answered and the weeks skipped (`/checkin skip`)."""

    answered: frozenset[str]
    skipped: frozenset[str]


def member_streaks(
    record: MemberWeeks,
    round_weeks: Collection[str],
    current_week: str,
    current_week_open: bool,
) -> tuple[int, int]:
    """(current streak, longest streak), treating weeks without a round like skipped weeks."""
    if not record.answered:
        return 0, 0
    first = min(min(record.answered), current_week)
    no_round = weeks_without_round(round_weeks, first, max(current_week, max(record.answered)))
    skipped = set(record.skipped) | no_round
    current = streak(record.answered, skipped, current_week, current_week_open)
    return current, longest_streak(record.answered, skipped)


# --- Folded streaks (every member at once) -------------------------------------------------


class StreakFold(NamedTuple):  # a tuple, not a dataclass: a server loads one per member
    """A member's streaks after folding weeks oldest first.

    `run` is the streak ending at the last week folded and `best` the longest so far. The
    same rules as `member_streaks`: an answered week counts; a skipped week or one without a
    round neither counts nor breaks; any other week breaks the run. Folding can stop at any
    week and carry on later, so a server's streaks are kept folded through the last settled
    week and each call folds only what came after (bench/storage.py: 175 ms -> a few ms).
    """

    run: int = 0
    best: int = 0

    def with_answer(self) -> StreakFold:
        run = self.run + 1
        return StreakFold(run, max(self.best, run))

    def with_miss(self) -> StreakFold:
        return StreakFold(0, self.best)


def fold_streaks(
    start: Mapping[int, StreakFold],
    weeks: Sequence[str],
    answered: Mapping[int, Collection[str]],
    skipped: Mapping[int, Collection[str]],
    round_weeks: Collection[str],
) -> dict[int, StreakFold]:
    """Every member's fold carried through `weeks` (consecutive, oldest first).

    Members with neither a fold nor an answer in `weeks` are left out (nothing to count).
    """
    held = set(round_weeks) & set(weeks)
    folded: dict[int, StreakFold] = {}
    for user_id in start.keys() | answered.keys():
        state = start.get(user_id, StreakFold())
        mine, away = answered.get(user_id, ()), skipped.get(user_id, ())
        for week in weeks:
            if week in mine:
                state = state.with_answer()
            elif week in held and week not in away:
                state = state.with_miss()
        if state.best:
            folded[user_id] = state
    return folded


def live_streaks(
    fold: StreakFold, *, answered: bool, skipped: bool, has_round: bool, is_open: bool
) -> tuple[int, int]:
    """(current, longest) from a fold through last week and this week's state.

    This week, unlike a settled one, does not break the run while its round is still open.
    """
    if answered:
        fold = fold.with_answer()
    elif has_round and not skipped and not is_open:
        fold = fold.with_miss()
    return fold.run, fold.best


def streak_message(length: int, milestone: int | None) -> str:
    """The line a member reads after checking in."""
    if length <= 0:
        return "Your streak starts with your next check-in."
    weeks = "week" if length == 1 else "weeks"
    text = f"Your streak: **{length} {weeks}** in a row."
    if milestone is not None:
        text += f" 🎉 That is {milestone} weeks — a milestone. Keep going."
    return text


# --- Away weeks -----------------------------------------------------------------------------


def skip_start_week(
    current_week: str, current_round_closed: bool | None, answered_current: bool
) -> str:
    """The first week a "skip" covers: this week, unless it is over or already answered.

    `current_round_closed` is None when this week has no round (yet), True when its round
    has closed, False while it is open.
    """
    if current_round_closed or answered_current:
        return shift_week(current_week, 1)
    return current_week


def skip_weeks(start_week: str, weeks: int) -> list[str]:
    """The `weeks` consecutive weeks from `start_week` a member will be away."""
    if weeks < 0:
        raise ValueError("weeks must not be negative")
    return [shift_week(start_week, offset) for offset in range(weeks)]
