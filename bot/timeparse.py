"""Reading the times, durations and time zones that members type.

A time someone types is read in their own IANA zone; what comes out is an aware UTC datetime.
Everything here is pure: callers pass ``now`` (aware) and the member's ``ZoneInfo``; nothing
reads a clock. Errors are ``TimeParseError`` with a message fit to show the member as it is.

The grammar is small and explicit rather than a natural-language library: the libraries tried
(dateparser, parsedatetime) returned past times for "today 6am" or "18:00", placed skipped DST
times at a non-existent offset, accepted year 9999, and dateparser costs ~100 MB and seconds on
first use. A short grammar is easier to keep correct across DST.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import DomainError

__all__ = [
    "HORIZON",
    "MAX_OFFSET",
    "MAX_OFFSETS",
    "ParsedTime",
    "TimeParseError",
    "format_offset",
    "localize",
    "parse_deadline",
    "parse_duration",
    "parse_hhmm",
    "parse_offsets",
    "parse_when",
    "parse_zone",
    "zone_choices",
    "zone_label",
]

MAX_TEXT = 100
# "About five years": far enough for any cohort plan, near enough to catch typos like 2062.
HORIZON_YEARS = 5
HORIZON = timedelta(days=365 * HORIZON_YEARS + 1)
MAX_OFFSET = timedelta(days=365)
MAX_OFFSETS = 10
END_OF_DAY = time(23, 59)

_UTC = UTC
_UTC_ZONE = ZoneInfo("UTC")
_A = re.ASCII  # `\d` must not match other scripts' digits


def _lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """Compile on first use: compiling the whole grammar at import took ~20 ms of start-up."""
    return functools.cache(lambda: re.compile(pattern, flags))


WHEN_FORMS = (
    "Accepted forms, read in your time zone ({zone}): `18:00` or `6pm` (the next one), "
    "`today 18:00`, `tomorrow 9am`, `tuesday 6pm`, `next tuesday 18:00`, `monday morning`, "
    "`8 Dec 17:30`, `Dec 8 2026 5:30pm`, `12/15 5pm`, `2026-12-08 17:30`, `in 2 hours`, "
    "`in 3 days at 6pm`, or with a zone after the time: `5pm PT`, `11:59pm AoE`, "
    "`17:00 UTC+2`, `17:00 Europe/Berlin`, `2026-12-08T17:30Z`."
)
DEADLINE_FORMS = (
    WHEN_FORMS + " A date without a time, such as `friday`, `8 Dec` or `2026-12-08`, "
    "means the end of that day (23:59)."
)
DURATION_FORMS = (
    "Accepted: numbers with units, combined as you like: `90m`, `1h30m`, `1.5h`, `2 hours`, "
    "`45 minutes`, `3d`, `1w` (units: w/week, d/day, h/hour, m/min, s/sec)."
)
OFFSET_FORMS = (
    "Give comma-separated durations such as `30d,14d,7d,3d,1d` or `7d, 2d, 6h`: each more than "
    f"zero and at most {MAX_OFFSET.days} days, at most {MAX_OFFSETS} of them."
)
HHMM_FORMS = "Accepted: a time of day such as `09:00`, `9:00`, `9am`, `9:30pm` or `21:30`."
ZONE_FORMS = (
    "Use an IANA zone name such as `Europe/Berlin`, `America/New_York` or `Asia/Kolkata`; "
    "start typing your city to see the choices."
)


# --- zones written after a time ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Abbreviation:
    """A zone abbreviation: a fixed offset (PST) or a region's clock whatever the season (PT)."""

    hours: float | None  # None: the region's own clock, DST-aware
    region: str | None  # where the abbreviation is used, to notice PST written in July


_LA, _DENVER, _CHICAGO, _NY = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
)
ABBREVIATIONS: dict[str, _Abbreviation] = {
    "pt": _Abbreviation(None, _LA),
    "pst": _Abbreviation(-8, _LA),
    "pdt": _Abbreviation(-7, _LA),
    "mt": _Abbreviation(None, _DENVER),
    "mst": _Abbreviation(-7, _DENVER),
    "mdt": _Abbreviation(-6, _DENVER),
    "ct": _Abbreviation(None, _CHICAGO),
    "cdt": _Abbreviation(-5, _CHICAGO),
    "et": _Abbreviation(None, _NY),
    "est": _Abbreviation(-5, _NY),
    "edt": _Abbreviation(-4, _NY),
    "utc": _Abbreviation(0, None),
    "gmt": _Abbreviation(0, None),
    "z": _Abbreviation(0, None),
    "bst": _Abbreviation(1, "Europe/London"),
    "cet": _Abbreviation(1, "Europe/Paris"),
    "cest": _Abbreviation(2, "Europe/Paris"),
    "eet": _Abbreviation(2, "Europe/Athens"),
    "eest": _Abbreviation(3, "Europe/Athens"),
    "jst": _Abbreviation(9, "Asia/Tokyo"),
    "aest": _Abbreviation(10, "Australia/Sydney"),
    "aedt": _Abbreviation(11, "Australia/Sydney"),
    # Anywhere on Earth: a deadline that has not passed while it is still that day anywhere.
    "aoe": _Abbreviation(-12, None),
}
# Abbreviations that name more than one clock: refused, naming the readings.
AMBIGUOUS_ABBREVIATIONS: dict[str, str] = {
    "cst": "US Central Standard Time (UTC-06:00; write CT or America/Chicago), "
    "China Standard Time (UTC+08:00; write Asia/Shanghai) or "
    "Cuba Standard Time (UTC-05:00; write America/Havana)",
    "ist": "India Standard Time (UTC+05:30; write Asia/Kolkata), "
    "Israel Standard Time (UTC+02:00; write Asia/Jerusalem) or "
    "Irish Standard Time (UTC+01:00; write Europe/Dublin)",
}
_RE_WRITTEN_ZONE = _lazy(
    r"(?P<rest>.+?)\s*\(?\b(?P<zone>(?:utc|gmt)\s*[+-]\s*\d{1,2}(?::?\d{2})?"
    r"|[a-z]+(?:/[a-z0-9_+-]+)+|[a-z]{1,4})\)?",
    _A,
)
_RE_UTC_OFFSET = _lazy(r"(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", _A)


@dataclass(frozen=True, slots=True)
class _WrittenZone:
    """The clock a time was written on: what to read it in, and what zone to keep."""

    clock: tzinfo  # read and echo in this (a fixed offset shows as 'PST', 'UTC+05:30')
    kept: ZoneInfo | None  # an IANA zone for the same clock, if there is one; else the member's
    region: str | None = None
    label: str = ""


def _fixed(hours: float, label: str) -> tzinfo:
    return timezone(timedelta(hours=hours), label)


def _kept_for_offset(hours: float) -> ZoneInfo | None:
    """The IANA zone that always shows this offset: UTC or Etc/GMT-N (the sign is inverted)."""
    if hours == 0:
        return _UTC_ZONE
    if hours == int(hours) and -12 <= hours <= 14:
        return ZoneInfo(f"Etc/GMT{-int(hours):+d}")
    return None


def _written_zone(word: str) -> _WrittenZone | None:
    """The zone a trailing word names, None if it names none; ambiguous ones are refused."""
    if word in AMBIGUOUS_ABBREVIATIONS:
        raise _Problem(
            f"'{word.upper()}' could mean {AMBIGUOUS_ABBREVIATIONS[word]}; "
            "write one of those instead."
        )
    if abbreviation := ABBREVIATIONS.get(word):
        if abbreviation.hours is None:
            assert abbreviation.region is not None
            region = ZoneInfo(abbreviation.region)
            return _WrittenZone(region, region, label=word.upper())
        label = "AoE" if word == "aoe" else word.upper()
        kept = ZoneInfo(abbreviation.region) if abbreviation.region else None
        if word == "aoe" or kept is None:
            kept = _kept_for_offset(abbreviation.hours)
        return _WrittenZone(
            _fixed(abbreviation.hours, label), kept, region=abbreviation.region, label=label
        )
    if m := _RE_UTC_OFFSET().fullmatch(word):
        hours, minutes = int(m["h"]), int(m["m"] or 0)
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise _Problem(f"'{word.upper()}' isn't a UTC offset; they run from -12:00 to +14:00.")
        sign = -1 if m["sign"] == "-" else 1
        offset = sign * (hours + minutes / 60)
        label = f"UTC{m['sign']}{hours:02d}:{minutes:02d}"
        return _WrittenZone(_fixed(offset, label), _kept_for_offset(offset), label=label)
    if "/" in word:
        try:
            zone = parse_zone(word)
        except TimeParseError:
            raise _Problem(f"'{word}' isn't a time zone I know.") from None
        return _WrittenZone(zone, zone, label=zone.key)
    return None


def _split_zone(text: str) -> tuple[str, _WrittenZone | None]:
    """Split a zone written after the time ('5pm PT', '17:00 Europe/Berlin') from the rest."""
    m = _RE_WRITTEN_ZONE().fullmatch(text)
    if m is None:
        return text, None
    written = _written_zone(m["zone"].replace(" ", ""))
    return (m["rest"], written) if written else (text, None)


def _season_note(when: datetime, written: _WrittenZone) -> str | None:
    """PST written for a July date: said plainly, since Pacific clocks then show PDT."""
    if written.region is None:
        return None
    local = when.astimezone(ZoneInfo(written.region))
    if local.tzname() == written.label:
        return None
    return (
        f"On that date clocks in {written.region} show {local.tzname()} "
        f"({_offset_text(local.utcoffset())}), not {written.label}; this uses "
        f"{written.label} ({_offset_text(written.clock.utcoffset(None))}) as written."
    )


class TimeParseError(DomainError):
    """What the member typed could not be read; the message says why and what is accepted."""


class _Problem(Exception):
    """What was wrong, before the list of accepted forms is appended."""


@dataclass(frozen=True, slots=True)
class ParsedTime:
    """A moment a member typed: the UTC instant, its zone, and notes about adjustments.

    ``zone`` is the IANA zone to keep with the moment (the member's own, or the one they wrote,
    such as America/Los_Angeles for '5pm PT'); ``clock`` is the clock it was read on, for
    echoing it back exactly as written ('17:00 PST', '23:59 AoE').
    """

    when: datetime
    zone: ZoneInfo
    notes: tuple[str, ...] = ()
    clock: tzinfo | None = None

    @property
    def local(self) -> datetime:
        """The instant on the clock it was read on, for echoing back."""
        return self.when.astimezone(self.clock or self.zone)

    def describe(self) -> str:
        """E.g. 'Tue 8 Dec 2026 18:00 CET'."""
        return _describe(self.local)


# --- DST-aware localisation -------------------------------------------------------------


def localize(naive_local: datetime, zone: tzinfo) -> tuple[datetime, str | None]:
    """Turn a wall-clock time in ``zone`` into a UTC instant, with a note if DST interfered.

    A time skipped by a spring-forward gap becomes the first valid instant after the gap; a
    time that happens twice at a fall-back becomes the first occurrence (fold=0).
    """
    return _localize(naive_local, zone)[:2]


def _localize(
    naive: datetime, zone: tzinfo
) -> tuple[datetime, str | None, datetime | None, str | None]:
    """As ``localize``, plus the second occurrence (and its note) for ambiguous times."""
    if naive.tzinfo is not None:
        raise ValueError("localize() takes a naive wall-clock datetime")
    naive = naive.replace(fold=0)
    first = naive.replace(tzinfo=zone)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(_UTC), None, None, None
    a, b = first.astimezone(_UTC), second.astimezone(_UTC)
    change = _transition(min(a, b), max(a, b), zone)
    before = (change - timedelta(seconds=1)).astimezone(zone)
    after = change.astimezone(zone)
    # The wall clock as the change happens, on the old offset (02:00 in Berlin in March).
    jump_from = (before + timedelta(seconds=1)).replace(tzinfo=None)
    jump_to = after.replace(tzinfo=None)
    where = f"on {_day(naive)} in {zone_label(zone)}"
    target = f"{_hm(jump_to)} {after.tzname()}"
    if jump_from.date() != jump_to.date():  # a whole day skipped or repeated (Samoa, 2011)
        jump = f"from {_day(jump_from)} {_hm(jump_from)} to {_day(jump_to)} {_hm(jump_to)}"
    else:
        jump = f"from {_hm(jump_from)} to {_hm(jump_to)}"
    if a.astimezone(zone).replace(tzinfo=None) != naive:
        note = (
            f"{_hm(naive)} doesn't exist {where}: clocks jump forward {jump}, "
            f"so this uses {_describe(after) if naive.date() != jump_to.date() else target}."
        )
        return change, note, None, None
    first_utc, second_utc = min(a, b), max(a, b)
    twice = f"{_hm(naive)} happens twice {where} (clocks go back {jump})"
    first_note = f"{twice}; this uses the first one, {_with_zone(first_utc, zone)}."
    second_note = (
        f"{twice}; the first one has passed, so this uses the second, "
        f"{_with_zone(second_utc, zone)}."
    )
    return first_utc, first_note, second_utc, second_note


def _transition(lo: datetime, hi: datetime, zone: tzinfo) -> datetime:
    """The first whole-second instant in (lo, hi] that has hi's UTC offset."""
    target = hi.astimezone(zone).utcoffset()
    lo = lo.replace(microsecond=0)
    low, high = 0, int((hi - lo).total_seconds())
    while high - low > 1:
        mid = (low + high) // 2
        if (lo + timedelta(seconds=mid)).astimezone(zone).utcoffset() == target:
            high = mid
        else:
            low = mid
    return lo + timedelta(seconds=high)


def _future_instant(
    naive: datetime, zone: tzinfo, now: datetime
) -> tuple[datetime, str | None] | None:
    """The earliest instant after ``now`` showing ``naive`` on the wall clock, if any."""
    first, note, second, second_note = _localize(naive, zone)
    if first > now:
        return first, note
    if second is not None and second > now:
        return second, second_note
    return None


# --- parse_when / parse_deadline ---------------------------------------------------------

_WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
# Index = datetime.weekday(): 0 is Monday. Shared by every feature that names weekdays.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_NAMES = WEEKDAYS
_MONTH_NAMES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # most a month can have


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_WD = _alternatives(_WEEKDAYS)
_MON = _alternatives(_MONTHS)
# Words for times of day; "midnight" is the start of the next day.
CLOCK_WORDS = {
    "noon": time(12),
    "midday": time(12),
    "midnight": time(0),
    "morning": time(9),
    "afternoon": time(14),
    "evening": time(19),
}
_CLOCK = (
    r"(?:\d{1,2}(?::\d{2}){0,2}\s*[ap]\.?m\.?|\d{1,2}:\d{2}(?::\d{2})?"
    r"|noon|midday|midnight|morning|afternoon|evening)"
)
_RE_CLOCK = _lazy(
    r"(?P<h>\d{1,2})(?::(?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?:(?P<ap>[ap])\.?m\.?)?", _A
)
_RE_CLOCK_FIRST = _lazy(rf"(?:at\s+|@\s*)?(?P<clock>{_CLOCK})(?:\s+(?:on\s+)?(?P<date>.+))?", _A)
_RE_CLOCK_LAST = _lazy(rf"(?P<date>.+?)(?:(?<=\d)t|\s*@\s*|\s+(?:at\s+)?)(?P<clock>{_CLOCK})", _A)
# "tomorrow at 9": caught only to explain that a bare hour is ambiguous
_RE_AT_HOUR_LAST = _lazy(r"(?P<date>.+?)\s+(?:at\s+|@\s*)(?P<clock>\d{1,2})", _A)
_RE_AT_HOUR_FIRST = _lazy(r"(?:at\s+|@\s*)(?P<clock>\d{1,2})(?:\s+(?:on\s+)?(?P<date>.+))?", _A)
_RE_IN = _lazy(rf"in\s+(?P<dur>.+?)(?:\s+(?:at\s+|@\s*)?(?P<clock>{_CLOCK}))?", _A)
_RE_NUMERIC_DATE = _lazy(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}))?", _A)
_RE_ISO_OFFSET = _lazy(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})(?:t|\s+)"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,6})?)?"
    r"\s*(?P<off>z|utc|gmt|[+-]\d{2}(?::?\d{2})?)",
    _A,
)
_RE_ISO_DATE = _lazy(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})", _A)
_RE_WEEKDAY = _lazy(rf"(?:(?P<rel>this|next)\s+)?(?P<wd>{_WD})", _A)
_RE_DAY_MONTH = _lazy(
    rf"(?:(?P<wd>{_WD})\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"(?P<mon>{_MON})(?:\s+(?P<y>\d{{4}}))?",
    _A,
)
_RE_MONTH_DAY = _lazy(
    rf"(?:(?P<wd>{_WD})\s+)?(?P<mon>{_MON})\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:\s+(?P<y>\d{{4}}))?",
    _A,
)


@dataclass(frozen=True, slots=True)
class _DateSpec:
    """A date as typed, before it is matched against ``now``."""

    kind: str  # "today" | "tomorrow" | "weekday" | "date" | "end_of_month"
    weekday: int | None = None  # for "weekday", or a weekday stated next to a date
    strictly_after_today: bool = False  # "next tuesday" is never today
    day: int = 0
    month: int = 0
    year: int | None = None


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> ParsedTime:
    """Read a moment such as 'tuesday 6pm' in ``zone``; a bare time means its next occurrence."""
    return _parse_moment(text, zone, now, deadline=False)


def parse_deadline(text: str, zone: ZoneInfo, now: datetime) -> ParsedTime:
    """Like ``parse_when``, but a date without a time means the end of that day (23:59)."""
    return _parse_moment(text, zone, now, deadline=True)


def _parse_moment(text: str, zone: ZoneInfo, now: datetime, *, deadline: bool) -> ParsedTime:
    now = _as_utc(now)
    try:
        norm = _normalize(text)
        if m := _RE_ISO_OFFSET().fullmatch(norm):
            return ParsedTime(when=_read_iso_with_offset(m, now), zone=zone)
        if norm.startswith(("every ", "each ")):
            raise _Problem(f"'{norm}' repeats; give one moment here, e.g. 'thursday 18:00'.")
        rest, written = _split_zone(norm)
        clock = written.clock if written else zone
        when, notes = _read_moment(rest, clock, now, deadline=deadline)
    except _Problem as problem:
        forms = (DEADLINE_FORMS if deadline else WHEN_FORMS).format(zone=zone.key)
        raise TimeParseError(f"{problem} {forms}") from None
    if written is None:
        return ParsedTime(when=when, zone=zone, notes=tuple(notes))
    if note := _season_note(when, written):
        notes.append(note)
    notes.append(f"Read in {written.label}, as written.")
    return ParsedTime(when=when, zone=written.kept or zone, notes=tuple(notes), clock=written.clock)


def _read_moment(
    text: str, zone: tzinfo, now: datetime, *, deadline: bool
) -> tuple[datetime, list[str]]:
    if m := _RE_IN().fullmatch(text):
        return _read_relative(m["dur"], m["clock"], zone, now)
    date_text, clock_text = _split(text)
    clock = _clock(clock_text) if clock_text else None
    spec = _read_date(date_text) if date_text else None
    if clock is None:
        if not deadline:
            raise _Problem(f"'{text}' has a date but no time of day; add one, e.g. '{text} 18:00'.")
        clock = END_OF_DAY
    return _resolve(text, spec, clock, zone, now, midnight=clock_text == "midnight")


def _split(text: str) -> tuple[str, str]:
    """Split into (date part, clock part); either may be empty."""
    if m := _RE_CLOCK_FIRST().fullmatch(text):
        return m["date"] or "", m["clock"]
    if m := _RE_CLOCK_LAST().fullmatch(text):
        return m["date"], m["clock"]
    if (m := _RE_AT_HOUR_FIRST().fullmatch(text)) or (m := _RE_AT_HOUR_LAST().fullmatch(text)):
        return m["date"] or "", m["clock"]
    return text, ""


def _clock(text: str) -> time:
    if text in CLOCK_WORDS:
        return CLOCK_WORDS[text]
    m = _RE_CLOCK().fullmatch(text)
    if m is None:
        raise _Problem(f"'{text}' isn't a time of day.")
    hour, minute, second = int(m["h"]), int(m["m"] or 0), int(m["s"] or 0)
    if m["ap"]:
        if not 1 <= hour <= 12:
            raise _Problem(f"'{text}' isn't a time of day: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if m["ap"] == "p" else 0)
    elif m["m"] is None:
        raise _Problem(f"'{text}' is ambiguous; write {hour}:00 or {hour}am/{hour}pm.")
    if hour > 23 or minute > 59 or second > 59:
        raise _Problem(f"'{text}' isn't a time of day: hours go to 23 and minutes to 59.")
    return time(hour, minute, second)


def _read_date(text: str) -> _DateSpec:
    text = text.removeprefix("on ")
    if text in ("today", "tonight", "this"):  # "this" as in "this evening"
        return _DateSpec("today")
    if text in ("end of month", "end of the month"):
        return _DateSpec("end_of_month")
    if text == "next week":  # next Monday
        return _DateSpec("weekday", weekday=0, strictly_after_today=True)
    if text in ("tomorrow", "tmrw", "tmr"):
        return _DateSpec("tomorrow")
    if m := _RE_WEEKDAY().fullmatch(text):
        return _DateSpec(
            "weekday", weekday=_WEEKDAYS[m["wd"]], strictly_after_today=m["rel"] == "next"
        )
    if m := _RE_ISO_DATE().fullmatch(text):
        return _date_spec(int(m["d"]), int(m["mo"]), m["y"], None)
    if m := _RE_NUMERIC_DATE().fullmatch(text):
        return _numeric_date(text, int(m["a"]), int(m["b"]), m["y"])
    if (m := _RE_DAY_MONTH().fullmatch(text)) or (m := _RE_MONTH_DAY().fullmatch(text)):
        return _date_spec(int(m["d"]), _MONTHS[m["mon"]], m["y"], m["wd"])
    if re.fullmatch(r"\d{1,4}", text, _A):
        raise _Problem(f"'{text}' alone is ambiguous; write a time like 18:00 or 6pm.")
    raise _Problem(f"Couldn't read '{text}' as a date or time.")


def _numeric_date(text: str, first: int, second: int, year: str | None) -> _DateSpec:
    """'12/15' is read only when one reading is possible; '3/4' is refused with both."""
    readings = []
    for month, day in ((first, second), (second, first)):  # month/day, then day/month
        if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]:
            readings.append((month, day))
    if not readings:
        raise _Problem(f"'{text}' isn't a date as month/day or as day/month.")
    if len(set(readings)) > 1:
        (m1, d1), (m2, d2) = readings
        raise _Problem(
            f"'{text}' could be {d1} {_MONTH_NAMES[m1]} (month/day) or {d2} {_MONTH_NAMES[m2]} "
            f"(day/month); write the month's name, e.g. '{d1} {_MONTH_NAMES[m1][:3]}'."
        )
    month, day = readings[0]
    return _date_spec(day, month, year, None)


def _date_spec(day: int, month: int, year: str | None, weekday: str | None) -> _DateSpec:
    if not 1 <= month <= 12:
        raise _Problem(f"There is no month {month}.")
    if not 1 <= day <= _DAYS_IN_MONTH[month]:
        raise _Problem(f"There is no {day} {_MONTH_NAMES[month]}.")
    return _DateSpec(
        "date",
        weekday=None if weekday is None else _WEEKDAYS[weekday],
        day=day,
        month=month,
        year=None if year is None else int(year),
    )


def _candidate_dates(spec: _DateSpec | None, today: date) -> tuple[list[date], bool]:
    """Dates to try in order, and whether the first one is the only one meant."""
    if spec is None:  # a bare time: today, or tomorrow if it has passed
        return [today + timedelta(days=n) for n in range(3)], False
    if spec.kind == "today":
        return [today], True
    if spec.kind == "tomorrow":
        return [today + timedelta(days=1)], True
    if spec.kind == "end_of_month":
        next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        return [next_month - timedelta(days=1)], True
    if spec.kind == "weekday":
        assert spec.weekday is not None
        start = today + timedelta(days=1 if spec.strictly_after_today else 0)
        first = start + timedelta(days=(spec.weekday - start.weekday()) % 7)
        return [first, first + timedelta(days=7)], False
    if spec.year is not None:
        if spec.year > today.year + HORIZON_YEARS:
            raise _Problem(
                f"{spec.year} is too far ahead; times up to {HORIZON_YEARS} years ahead "
                "are accepted."
            )
        if spec.year < today.year - 1:
            raise _Problem(f"{spec.day} {_MONTH_NAMES[spec.month]} {spec.year} is in the past.")
        try:
            return [date(spec.year, spec.month, spec.day)], True
        except ValueError:
            raise _Problem(
                f"There is no {spec.day} {_MONTH_NAMES[spec.month]} {spec.year}."
            ) from None
    dates = []
    for year in range(today.year, today.year + HORIZON_YEARS + 1):
        try:
            dates.append(date(year, spec.month, spec.day))
        except ValueError:  # 29 February outside leap years
            continue
    return dates, False


def _resolve(
    text: str,
    spec: _DateSpec | None,
    clock: time,
    zone: tzinfo,
    now: datetime,
    *,
    midnight: bool = False,
) -> tuple[datetime, list[str]]:
    local_now = now.astimezone(zone)
    dates, only = _candidate_dates(spec, local_now.date())
    notes: list[str] = []
    for index, day in enumerate(dates):
        # Midnight on a day is where that day ends: the start of the next one.
        naive = datetime.combine(day + timedelta(days=1 if midnight else 0), clock)
        found = _future_instant(naive, zone, now)
        if found is None:
            if only:
                raise _Problem(_past_message(spec, naive, zone, local_now))
            continue
        when, note = found
        if spec is not None and spec.weekday is not None and day.weekday() != spec.weekday:
            raise _Problem(
                f"{day.day} {_MONTH_NAMES[day.month]} {day.year} is a "
                f"{_WEEKDAY_NAMES[day.weekday()]}, not a {_WEEKDAY_NAMES[spec.weekday]}."
            )
        if index > 0 and spec is not None and spec.kind in ("weekday", "date"):
            notes.append(
                f"'{text}' has already passed, so this is {_describe(when.astimezone(zone))}."
            )
        if note:
            notes.append(note)
        if midnight:
            notes.append(f"Midnight is read as the start of {_describe(when.astimezone(zone))}.")
        _check_horizon(when, now)
        return when, notes
    raise _Problem("That date is too far ahead.")  # e.g. 29 Feb with no leap year in reach


def _past_message(
    spec: _DateSpec | None, naive: datetime, zone: tzinfo, local_now: datetime
) -> str:
    if spec is not None and spec.kind == "today" and naive.date() == local_now.date():
        return (
            f"Today at {_hm(naive)} has already passed (it's {_hm(local_now)} now in "
            f"{zone_label(zone)}); did you mean tomorrow {_hm(naive)}?"
        )
    return f"{_day(naive)} {_hm(naive)} is in the past (it's {_describe(local_now)} now)."


def _read_relative(
    duration: str, clock_text: str | None, zone: tzinfo, now: datetime
) -> tuple[datetime, list[str]]:
    days, seconds = _duration(duration)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    if clock_text is not None:
        if seconds or not days:
            raise _Problem(
                "A time after 'in …' only works with whole days, like 'in 3 days at 6pm'."
            )
        naive = datetime.combine(local_now.date() + timedelta(days=days), _clock(clock_text))
    elif days:  # whole days keep the wall-clock time, across DST changes
        naive = local_now + timedelta(days=days)
    else:
        return now + timedelta(seconds=seconds), []
    when, note = localize(naive, zone)
    when += timedelta(seconds=seconds)
    _check_horizon(when, now)
    return when, [note] if note else []


def _read_iso_with_offset(m: re.Match[str], now: datetime) -> datetime:
    offset = m["off"]
    if offset in ("z", "utc", "gmt"):
        tz = _UTC
    else:
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 14 or minutes > 59:
            raise _Problem(f"'{offset}' isn't a UTC offset; they run from -12:00 to +14:00.")
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    year = int(m["y"])
    if not now.year - 1 <= year <= now.year + HORIZON_YEARS:
        raise _Problem(
            f"{year} is outside the accepted range (now up to {HORIZON_YEARS} years ahead)."
        )
    try:
        when = datetime(
            year, int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"] or 0), tzinfo=tz
        )
    except ValueError:
        raise _Problem(f"'{m.group(0)}' isn't a real date and time.") from None
    when = when.astimezone(_UTC)
    if when <= now:
        raise _Problem(f"{m.group(0).upper()} is in the past.")
    _check_horizon(when, now)
    return when


def _check_horizon(when: datetime, now: datetime) -> None:
    if when - now > HORIZON:
        raise _Problem(
            f"That is more than {HORIZON_YEARS} years ahead; times up to {HORIZON_YEARS} "
            "years ahead are accepted."
        )


# --- durations and reminder offsets ------------------------------------------------------

# unit -> (seconds, whether it counts whole days, which keep the wall-clock time across DST)
_DURATION_UNITS: dict[str, tuple[int, bool]] = {
    name: (seconds, is_days)
    for names, seconds, is_days in (
        (("w", "wk", "wks", "week", "weeks"), 7 * 86400, True),
        (("d", "day", "days"), 86400, True),
        (("h", "hr", "hrs", "hour", "hours"), 3600, False),
        (("m", "min", "mins", "minute", "minutes"), 60, False),
        (("s", "sec", "secs", "second", "seconds"), 1, False),
    )
    for name in names
}
_VAGUE_UNITS = {"mo", "mos", "month", "months", "y", "yr", "yrs", "year", "years"}
_NUMBER = r"(?:\d+(?:\.\d{1,3})?|\.\d{1,3})"
_RE_DURATION = _lazy(rf"(?:{_NUMBER}\s*[a-z]+\s*)+", _A)
_RE_DURATION_PART = _lazy(rf"({_NUMBER})\s*([a-z]+)", _A)


def parse_duration(text: str) -> timedelta:
    """Read a duration such as '1h30m', '1.5h', '2 hours' or '1w'; rounded to whole seconds."""
    try:
        days, seconds = _duration(_normalize(text))
    except _Problem as problem:
        raise TimeParseError(f"{problem} {DURATION_FORMS}") from None
    return timedelta(days=days, seconds=seconds)


def _duration(text: str) -> tuple[int, int]:
    """(whole days from day/week units, remaining seconds) for an already normalised text."""
    spoken = re.sub(r"^an?\s+", "1 ", re.sub(r"\band\b", " ", text)).strip()
    if not _RE_DURATION().fullmatch(spoken):
        if re.search(r"\d\s*$", spoken, _A):
            raise _Problem(f"In '{text}' every number needs a unit, e.g. '1h30m' or '90m'.")
        raise _Problem(f"Couldn't read '{text}' as a duration.")
    days = 0
    millis = 0
    for number, unit in _RE_DURATION_PART().findall(spoken):
        if unit in _VAGUE_UNITS:
            raise _Problem(
                f"'{number}{unit}': months and years vary in length; use days or weeks, "
                "e.g. 30d or 52w."
            )
        if unit not in _DURATION_UNITS:
            raise _Problem(f"'{unit}' isn't a unit I know (in '{text}').")
        unit_seconds, is_days = _DURATION_UNITS[unit]
        whole, _, fraction = number.partition(".")
        thousandths = int(whole or 0) * 1000 + int(fraction.ljust(3, "0"))
        if is_days and thousandths % 1000 == 0:
            days += thousandths // 1000 * (unit_seconds // 86400)
        else:
            millis += thousandths * unit_seconds
    seconds = (millis + 500) // 1000
    cap = HORIZON.days + 1  # keeps timedelta from overflowing on absurd numbers
    total = timedelta(days=min(days, cap)) + timedelta(seconds=min(seconds, cap * 86400))
    if total <= timedelta(0):
        raise _Problem(f"'{text}' must be longer than zero.")
    if total > HORIZON:
        raise _Problem(f"'{text}' is longer than {HORIZON_YEARS} years.")
    return days, seconds


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Read comma-separated reminder offsets, e.g. '7d, 2d, 6h': sorted descending, unique."""
    if len(text) > 2 * MAX_TEXT:
        raise TimeParseError(f"That list is too long. {OFFSET_FORMS}")
    parts = [part.strip() for part in text.split(",")]
    found: set[timedelta] = set()
    for part in parts:
        if not part:
            continue  # tolerate '7d,,1d' and a trailing comma
        try:
            days, seconds = _duration(_normalize(part))
        except _Problem as problem:
            raise TimeParseError(f"'{part}' in your list: {problem} {OFFSET_FORMS}") from None
        offset = timedelta(days=days, seconds=seconds)
        if offset > MAX_OFFSET:
            raise TimeParseError(
                f"'{part}' is more than {MAX_OFFSET.days} days before. {OFFSET_FORMS}"
            )
        found.add(offset)
    if not found:
        raise TimeParseError(f"No offsets were given. {OFFSET_FORMS}")
    if len(found) > MAX_OFFSETS:
        raise TimeParseError(
            f"That is {len(found)} different offsets; at most {MAX_OFFSETS}. {OFFSET_FORMS}"
        )
    return tuple(sorted(found, reverse=True))


def format_offset(td: timedelta) -> str:
    """Show a duration the way ``parse_duration`` reads it: '7d', '6h', '1d12h', '1h30m'."""
    total = round(td.total_seconds())
    if total < 0:
        raise ValueError("format_offset() takes a non-negative duration")
    if total == 0:
        return "0m"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = zip((days, hours, minutes, seconds), "dhms", strict=True)
    return "".join(f"{amount}{unit}" for amount, unit in units if amount)


# --- times of day and zones --------------------------------------------------------------


def parse_hhmm(text: str) -> time:
    """Read a time of day for configuration: '09:00', '9:00', '9am', '21:30'."""
    try:
        return _clock(_normalize(text))
    except _Problem as problem:
        raise TimeParseError(f"{problem} {HHMM_FORMS}") from None


# Abbreviation-style zones: 'EST' has no daylight saving, a trap for New Yorkers.
_MISLEADING_ZONES = frozenset(
    {"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "EET", "WET", "MET"}
)
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


@functools.cache
def _zone_index() -> tuple[tuple[str, str, bool], ...]:
    """(name, lower-case name, is a legacy alias), current names first, each part sorted."""
    names = (name for name in available_timezones() if name not in _MISLEADING_ZONES)
    entries = [(name, name.lower(), name.split("/")[0] not in _REGIONS) for name in names]
    return tuple(sorted(entries, key=lambda entry: (entry[2], entry[0])))


@functools.cache
def _zone_lookup() -> dict[str, str]:
    return {lower: name for name, lower, _ in _zone_index()}


def parse_zone(name: str) -> ZoneInfo:
    """The zone for an IANA name, case-insensitively ('europe/berlin', 'America/New York')."""
    key = "_".join(name.strip().split())
    if not key:
        raise TimeParseError(f"No time zone was given. {ZONE_FORMS}")
    if key.upper() in _MISLEADING_ZONES:
        raise TimeParseError(
            f"'{key}' is an abbreviation that ignores daylight saving in many places; "
            f"pick the zone of a city instead. {ZONE_FORMS}"
        )
    found = _zone_lookup().get(key.lower()) if len(key) <= 64 else None
    if found is None:
        suggestions = zone_choices(key, limit=3) if len(key) <= 64 else []
        hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
        raise TimeParseError(f"'{key[:64]}' isn't a time zone I know.{hint} {ZONE_FORMS}")
    return ZoneInfo(found)


def zone_choices(prefix: str, limit: int = 25) -> list[str]:
    """Zone names containing ``prefix`` for autocomplete: name prefixes, then city prefixes."""
    query = "_".join(prefix.strip().lower().split())
    ranked: list[tuple[int, int, str]] = []
    for position, (name, lower, _) in enumerate(_zone_index()):
        if query not in lower:
            continue
        if lower.startswith(query):
            tier = 0
        elif any(part.startswith(query) for part in lower.split("/")[1:]):
            tier = 1
        else:
            tier = 2
        ranked.append((tier, position, name))
    ranked.sort()
    return [name for _, _, name in ranked[: max(limit, 0)]]


# --- small helpers -----------------------------------------------------------------------


def _as_utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(_UTC)


def _normalize(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise _Problem(f"That is {len(text)} characters long; keep it under {MAX_TEXT}.")
    text = text.lower().replace(",", " ").replace("\u2212", "-")  # U+2212 is a typed minus sign
    normal = " ".join(text.split()).rstrip(".")
    if not normal:
        raise _Problem("Nothing was given.")
    return normal


def _hm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _day(moment: datetime | date) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def _describe(local: datetime) -> str:
    return f"{_day(local)} {_hm(local)} {local.tzname()}"


def _with_zone(instant: datetime, zone: tzinfo) -> str:
    local = instant.astimezone(zone)
    return f"{_hm(local)} {local.tzname()} ({_offset_text(local.utcoffset())})"


def _offset_text(offset: timedelta | None) -> str:
    offset = offset or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_label(zone: tzinfo) -> str:
    """An IANA zone's name, or a fixed clock's own ('PST', 'AoE', 'UTC+05:30')."""
    return zone.key if isinstance(zone, ZoneInfo) else str(zone.tzname(None))
