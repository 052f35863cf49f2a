"""Reading the deadlines out of an iCalendar body: pure, and run in a child process.

A feed is hostile input. Two things in icalendar/dateutil are unsafe with it, so they never run:
- a feed's own VTIMEZONE rules: they are expanded by dateutil (a SECONDLY rule steps through
  every second since 1970) and cached for the whole process, so one feed's definition of a
  TZID would change every later feed's. VTIMEZONE blocks are dropped before parsing and every
  TZID is mapped by us: an IANA name, a Windows name (CLDR's table) or a vendor-prefixed IANA
  name, else the server's zone.
- an unbounded expansion: recurrences are expanded by recurring-ical-events only within
  WINDOW, at most MAX_INSTANCES per event and MAX_EVENTS per feed. What is still slow
  (a rule that never matches steps to year 9999) is stopped by the worker's time limit.

One bad event is skipped with its reason; it never sinks the others.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.timeparse import localize
from cogs.grants.logic import NAME_MAX, NOTES_MAX, FeedEvent, GrantError, http_url

MAX_EVENTS = 500  # per feed, instances of recurring events included
MAX_INSTANCES = 100  # per recurring event
WINDOW = timedelta(days=365)  # how far ahead a recurring event is expanded
UID_MAX = 255
END_OF_DAY = (23, 59)
# A deadline that comes round more often than daily is not a deadline; expanding it is costly.
TOO_FREQUENT = frozenset({"SECONDLY", "MINUTELY", "HOURLY"})


class FeedError(DomainError):
    """The feed could not be used; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    events: tuple[FeedEvent, ...]
    skipped: tuple[str, ...]  # why some events were left out, one line each
    name: str | None = None  # the calendar's X-WR-CALNAME, if any


# --- time zones ----------------------------------------------------------------------------------


@functools.cache
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def _windows_names() -> dict[str, str]:
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
    except ImportError:  # pragma: no cover - icalendar moved its table; IANA names still work
        return {}
    return dict(WINDOWS_TO_OLSON)


def zone_for_tzid(tzid: str, fallback: ZoneInfo) -> str:
    """The IANA zone a feed's TZID stands for; the server's zone when it names none we know.

    Never the feed's own VTIMEZONE: those rules are what made one feed's zones leak into
    another's and what a hostile feed uses to stall dateutil.
    """
    name = tzid.strip().strip('"').strip()
    cleaned = name.strip("/")
    if cleaned in _iana_names():
        return cleaned
    windows = _windows_names().get(cleaned)
    if windows is not None and windows in _iana_names():
        return windows
    # "Globally unique" TZIDs such as /citadel.org/20250101_1/Europe/Berlin end in an IANA name.
    parts = cleaned.split("/")
    for start in range(1, len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in _iana_names():
            return candidate
    return fallback.key


_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)
_FOLD = re.compile(r"\r?\n[ \t]")


def _head_end(line: str) -> int:
    """Where a content line's name and parameters end: the first ':' outside quotes."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return -1


def sanitised(body: bytes, zone: ZoneInfo) -> str:
    """The body without VTIMEZONE blocks, every TZID parameter replaced by an IANA name."""
    text = _FOLD.sub("", body.decode("utf-8", errors="replace"))
    lines: list[str] = []
    in_timezone = 0
    for line in text.splitlines():
        marker = line.strip().upper()
        if marker == "BEGIN:VTIMEZONE":
            in_timezone += 1
            continue
        if in_timezone:
            if marker == "END:VTIMEZONE":
                in_timezone -= 1
            continue
        end = _head_end(line)
        if end > 0 and ";" in line[:end]:
            head = _TZID_PARAM.sub(lambda m: ";TZID=" + zone_for_tzid(m.group(1), zone), line[:end])
            line = head + line[end:]
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


# --- the parse -----------------------------------------------------------------------------------


def parse_calendar(body: bytes, zone: ZoneInfo, *, now: datetime) -> ParsedFeed:
    """The usable VEVENTs of an iCalendar body, or FeedError if it isn't one.

    The deadline is DTSTART. A date without a time means 23:59 that day and a floating time
    is wall-clock time, both in `zone` (the server's). An event without a UID cannot be
    updated later, so it is left out, as are events without a readable date. A recurring
    event becomes one deadline per instance in the next WINDOW (UID `uid/instance`).
    """
    import icalendar  # a few ms to import; only imports need it

    try:
        calendar = icalendar.Calendar.from_ical(sanitised(body, zone))
    except Exception as exc:
        raise FeedError(f"The feed is malformed: {str(exc)[:200]}") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise FeedError("The feed is malformed: it isn't a VCALENDAR.")
    events: dict[str, FeedEvent] = {}
    skipped: list[str] = []
    by_uid: dict[str, list[Any]] = defaultdict(list)
    for component in calendar.walk("VEVENT"):
        uid = str(component.get("UID") or "").strip()
        if not uid:
            skipped.append(f"{_label(component)} has no UID")
        elif len(uid) > UID_MAX:
            skipped.append(f"{_label(component)} has an overly long UID")
        else:
            by_uid[uid].append(component)
    for uid, components in by_uid.items():
        if len(events) >= MAX_EVENTS:
            skipped.append(f"events after the first {MAX_EVENTS} were not read")
            break
        try:
            found = list(_events_of(uid, components, zone, now, MAX_EVENTS - len(events)))
        except FeedError as exc:
            skipped.append(str(exc))
            continue
        except Exception as exc:
            skipped.append(f"{_label(components[-1])} could not be read ({type(exc).__name__})")
            continue
        for event in found:
            events[event.uid] = event
    name = calendar.get("X-WR-CALNAME")
    return ParsedFeed(
        tuple(events.values()), tuple(skipped), str(name)[:NAME_MAX] if name else None
    )


def _label(component: Any) -> str:
    summary = _summary(component)
    return f"'{summary}'" if summary else "an event without a title"


def _summary(component: Any) -> str:
    return " ".join(str(component.get("SUMMARY") or "").split())[:NAME_MAX]


def _recurs(component: Any) -> bool:
    return "RECURRENCE-ID" not in component and ("RRULE" in component or "RDATE" in component)


def _events_of(
    uid: str, components: list[Any], zone: ZoneInfo, now: datetime, room: int
) -> Iterator[FeedEvent]:
    """The deadlines one UID stands for: one event, or the instances of a recurring one."""
    master = next((c for c in components if _recurs(c)), None)
    if master is None:
        # Not recurring: a repeated UID keeps the last, as before.
        yield _event(components[-1], uid, zone)
        return
    yield from _instances(uid, components, master, zone, now, room)


def _instances(
    uid: str, components: list[Any], master: Any, zone: ZoneInfo, now: datetime, room: int
) -> Iterator[FeedEvent]:
    import icalendar
    import recurring_ical_events

    label = _label(master)
    rules = master.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules else []:
        frequency = rule.get("FREQ") or [""]
        if str(frequency[0]).upper() in TOO_FREQUENT:
            raise FeedError(f"{label} repeats more often than daily; not a deadline")
    series = icalendar.Calendar()
    for component in components:
        series.add_component(component)
    end = now + WINDOW
    limit = min(MAX_INSTANCES, room)
    count = 0
    for occurrence in recurring_ical_events.of(series).after(now):
        start = occurrence.get("DTSTART")
        when = _as_deadline(start.dt if start is not None else None, zone, label)
        if when > end:
            break
        if count >= limit:
            break
        count += 1
        slot = occurrence.get("RECURRENCE-ID") or start
        yield _event(occurrence, f"{uid}/{_slot_key(slot.dt)}", zone, deadline=when)
    if count == 0:
        raise FeedError(f"{label} repeats, but not in the next {WINDOW.days // 30} months")


def _slot_key(value: object) -> str:
    """A stable name for one instance: its original start (RECURRENCE-ID), in UTC if aware."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return value.strftime("%Y%m%dT%H%M%S")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def _event(
    component: Any, uid: str, zone: ZoneInfo, *, deadline: datetime | None = None
) -> FeedEvent:
    summary = _summary(component)
    label = _label(component)
    if deadline is None:
        if "DTSTART" not in component:
            raise FeedError(f"{label} has no start date")
        try:
            start = component.decoded("DTSTART")
        except (ValueError, TypeError, AttributeError):  # AttributeError: VALUE=TIME
            raise FeedError(f"{label} has no start date I can read") from None
        deadline = _as_deadline(start, zone, label)
    url = None
    raw_url = str(component.get("URL") or "").strip()
    if raw_url:
        try:
            url = http_url(raw_url)
        except GrantError:
            url = None  # a bad link does not make the deadline unusable
    notes = " ".join(str(component.get("DESCRIPTION") or "").split())[:NOTES_MAX] or None
    status = str(component.get("STATUS") or "").upper()
    return FeedEvent(
        uid=uid,
        name=summary or "Untitled deadline",
        deadline=deadline,
        url=url,
        notes=notes,
        cancelled=status == "CANCELLED",
    )


def _as_deadline(value: object, zone: ZoneInfo, label: str) -> datetime:
    """DTSTART as a UTC instant, or FeedError saying what was wrong with it."""
    try:
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                at, _ = localize(value.replace(tzinfo=None), zone)
                return at
            return value.astimezone(UTC)
        if isinstance(value, date):
            naive = datetime(value.year, value.month, value.day, *END_OF_DAY)
            at, _ = localize(naive, zone)
            return at
    except (OverflowError, ValueError):
        # year 1 east of UTC or 9999 west of it has no UTC instant
        raise FeedError(f"{label} has a start date out of the range I can read") from None
    raise FeedError(f"{label} has no usable start date (a date, or a date and time)")


# --- what crosses the process boundary -----------------------------------------------------------


def to_json(parsed: ParsedFeed) -> dict[str, Any]:
    return {
        "events": [
            {
                "uid": e.uid,
                "name": e.name,
                "deadline": e.deadline.astimezone(UTC).isoformat(),
                "url": e.url,
                "notes": e.notes,
                "cancelled": e.cancelled,
            }
            for e in parsed.events
        ],
        "skipped": list(parsed.skipped),
        "name": parsed.name,
    }


def from_json(data: object) -> ParsedFeed:
    """A ParsedFeed from the worker's JSON, checked field by field (ValueError if off)."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    events: list[FeedEvent] = []
    for item in _list(data.get("events"))[:MAX_EVENTS]:
        if not isinstance(item, dict):
            raise ValueError("an event is not an object")
        deadline = datetime.fromisoformat(_text(item.get("deadline"), 40))
        if deadline.tzinfo is None:
            raise ValueError("a naive deadline")
        uid = _text(item.get("uid"), UID_MAX + 40)
        name = _text(item.get("name"), NAME_MAX)
        if not uid or not name:
            raise ValueError("an event without uid or name")
        url = item.get("url")
        events.append(
            FeedEvent(
                uid=uid,
                name=name,
                deadline=deadline.astimezone(UTC),
                url=None if url is None else http_url(_text(url, 2000)),
                notes=None if item.get("notes") is None else _text(item.get("notes"), NOTES_MAX),
                cancelled=item.get("cancelled") is True,
            )
        )
    skipped = tuple(_text(s, 500) for s in _list(data.get("skipped"))[: MAX_EVENTS + 1])
    title = data.get("name")
    return ParsedFeed(tuple(events), skipped, None if title is None else _text(title, NAME_MAX))


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    return value


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError("not a string of the expected length")
    return value
