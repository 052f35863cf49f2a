"""Repeating sessions: weekly, every other week, or monthly on the nth weekday (pure).

Occurrence n of a series keeps the first session's wall-clock time in the series' zone, so a
daylight-saving change never moves it (18:00 stays 18:00). A time that a spring-forward gap
skips becomes the first valid time after it; one that happens twice is the first
(bot.timeparse.localize). Monthly series take their weekday and ordinal from the first date:
the 3rd Tuesday stays the 3rd Tuesday; a first date in the 5th week (the 29th–31st) means the
*last* such weekday, since a 5th one is missing from most months.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.timeparse import localize

Rule = Literal["weekly", "biweekly", "monthly"]
REPEAT_CHOICES: dict[str, Rule] = {
    "weekly": "weekly",
    "every other week": "biweekly",
    "monthly": "monthly",
}
LAST = 5  # the ordinal of "the last <weekday> of the month"
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", LAST: "last"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class BadRepeat(DomainError):
    pass


def read_repeat(text: str | None) -> Rule | None:
    """The `repeat:` option: None for once; otherwise one of REPEAT_CHOICES."""
    if text is None or not text.strip() or text.strip().casefold() in ("once", "no", "none"):
        return None
    wanted = " ".join(text.casefold().replace("-", " ").split())
    aliases = {"biweekly": "every other week", "fortnightly": "every other week"}
    rule = REPEAT_CHOICES.get(aliases.get(wanted, wanted))
    if rule is None:
        raise BadRepeat(
            f"`repeat: {text}` isn't a repetition I know. Accepted: weekly, every other week,"
            " monthly (on the same weekday of the month as the first date, e.g. the 3rd"
            " Tuesday)."
        )
    return rule


def ordinal_of(day: date) -> int:
    """1–4 for the nth such weekday of its month; LAST when it falls in the 5th week."""
    return min((day.day - 1) // 7 + 1, LAST)


def nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date:
    """The `ordinal`-th `weekday` (0 = Monday) of the month; ordinal LAST is the last one."""
    days_in_month = calendar.monthrange(year, month)[1]
    if ordinal == LAST:
        last = date(year, month, days_in_month)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (ordinal - 1))


@dataclass(frozen=True)
class Recurrence:
    rule: Rule
    first_start: datetime  # UTC
    zone: ZoneInfo

    def local_date(self, n: int) -> date:
        first = self.first_start.astimezone(self.zone).date()
        if self.rule == "weekly":
            return first + timedelta(weeks=n)
        if self.rule == "biweekly":
            return first + timedelta(weeks=2 * n)
        months = first.month - 1 + n
        year, month = first.year + months // 12, months % 12 + 1
        return nth_weekday(year, month, first.weekday(), ordinal_of(first))

    def start(self, n: int) -> datetime:
        """Occurrence n (0 is the first session) as a UTC instant."""
        if n == 0:
            return self.first_start
        clock = self.first_start.astimezone(self.zone).time().replace(tzinfo=None)
        return localize(datetime.combine(self.local_date(n), clock), self.zone)[0]

    def first_after(self, instant: datetime) -> int:
        """The index of the first occurrence strictly after `instant`."""
        n = 0
        while self.start(n) <= instant:
            n += 1
        return n


def repeat_text(rule: Rule, first_start: datetime, zone: ZoneInfo) -> str:
    """'every other Tuesday at 18:00 (Europe/Berlin)', 'on the first Tuesday of each month…'."""
    local = first_start.astimezone(zone)
    at = f"at {local:%H:%M} ({zone.key})"
    weekday = WEEKDAYS[local.weekday()]
    if rule == "weekly":
        return f"every {weekday} {at}"
    if rule == "biweekly":
        return f"every other {weekday} {at}"
    return f"on the {ORDINALS[ordinal_of(local.date())]} {weekday} of each month {at}"
