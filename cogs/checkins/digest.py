"""The check-in lines of the weekly digest: the week that was.

The digest is posted soon after a week's prompt (typically on a Monday morning), when that
round has just opened and says nothing yet. So it reports the LAST CLOSED round: how many of
the cohort checked in, how the plans went, the trend, the asks shared and the help offered,
and names the open round only by its close. Aggregates only: no names, no member's text, no
member's mark. Pure: no discord, no await.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.time import discord_timestamp
from cogs.checkins.participation import WeekParticipation
from cogs.checkins.weeks import week_number

TREND_ROUNDS = 4
PLAN_MARKS = (("done", "done"), ("partly", "partly"), ("not_done", "not done"))


@dataclass(frozen=True)
class WeekThatWas:
    """What the digest reports about check-ins.

    `closed` holds the closed rounds' participation, oldest first, ending with the last
    closed round; `plan_marks` counts that round's plan marks by mark; `asks` and `offers`
    are that round's shared blockers and offers of help.
    """

    closed: Sequence[WeekParticipation] = ()
    plan_marks: Mapping[str, int] = field(default_factory=dict)
    asks: int = 0
    offers: int = 0
    milestones: int = 0
    open_until: datetime | None = None


def _percent(rate: float) -> str:
    return f"{rate:.0%}"


def plans_line(marks: Mapping[str, int]) -> str | None:
    """ "Plans kept: 3 done, 1 partly, 1 not done of 5 marked." (None when none is marked)."""
    marked = sum(n for n in marks.values() if n > 0)
    if not marked:
        return None
    parts = [f"{marks.get(mark, 0)} {words}" for mark, words in PLAN_MARKS]
    if marks.get("changed"):
        parts.append(f"{marks['changed']} changed")
    return f"Plans kept: {', '.join(parts)} of {marked} marked."


def trend_line(closed: Sequence[WeekParticipation]) -> str | None:
    """The average participation of the last four closed rounds, and the last one against
    the round before it."""
    window = [w for w in closed[-TREND_ROUNDS:] if w.cohort_size]
    if not window:
        return None
    average = sum(w.rate for w in window) / len(window)
    rounds = "round" if len(window) == 1 else f"{len(window)} rounds"
    line = f"Trend: {_percent(average)} on average over the last {rounds}"
    if len(closed) >= 2:
        last, before = closed[-1].rate, closed[-2].rate
        direction = "up from" if last > before else "down from" if last < before else "level with"
        line += f"; {direction} {_percent(before)} the round before"
    return line + "."


def digest_lines(week: WeekThatWas) -> list[str]:
    """The digest's check-in lines; empty when there is nothing to report."""
    lines: list[str] = []
    if week.closed:
        last = week.closed[-1]
        lines.append(
            f"Last week (Week {week_number(last.week)}): {last.answered} of"
            f" {max(last.cohort_size, last.answered)} checked in ({_percent(last.rate)})."
        )
        lines += [line for line in (plans_line(week.plan_marks), trend_line(week.closed)) if line]
        lines.append(f"Asks shared: {week.asks}; help offered: {week.offers}.")
    if week.milestones:
        members = "member" if week.milestones == 1 else "members"
        lines.append(f"Streak milestones reached: {week.milestones} {members}.")
    if week.open_until is not None and lines:
        lines.append(
            f"This week's check-in is open until {discord_timestamp(week.open_until, 'F')}."
        )
    elif week.open_until is not None:
        lines.append(
            f"No round has closed yet; this week's check-in is open until"
            f" {discord_timestamp(week.open_until, 'F')}."
        )
    return lines
