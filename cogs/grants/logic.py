"""Pure domain logic of grant deadlines: names, links, reminder times, recipients, imports.

No discord, no await, no I/O. Instants are timezone-aware UTC; a deadline also remembers the
IANA zone it was typed in, because "7 days before 23:59" means 23:59 a week earlier on that
zone's wall clock, also across a DST change. `now` is always passed in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.text import LineRule
from bot.timeparse import format_offset, localize, parse_offsets

NAME_MAX = 100  # an autocomplete choice's name is at most 100 characters
FUNDER_MAX = 100
URL_MAX = 512  # an embed's url is at most 2048; a grant link longer than this is a typo
NOTES_MAX = 1000  # fits an embed field (1024)
DEFAULT_OFFSETS_TEXT = "30d,14d,7d,3d,1d"
DEFAULT_OFFSETS: tuple[timedelta, ...] = parse_offsets(DEFAULT_OFFSETS_TEXT)
NUDGE_AT = time(10, 0)  # the monthly rolling-fund nudge: the 1st of each month, 10:00 local
REFRESH_AT = time(6, 0)  # the daily feed refresh, 06:00 local
CLEAR_WORDS = frozenset({"none", "clear", "-", "remove"})
FEATURE_NAME = "grants"  # the feature's id in /config reset, /me notifications and /help

Status = Literal["deadline", "rolling", "check"]


class GrantError(DomainError):
    """What a moderator or member typed is not acceptable; the message says why."""


NAME_RULE = LineRule(
    NAME_MAX,
    GrantError,
    empty="The name is empty; give the fund or program's name.",
    too_long="The name is {length} characters long; keep it to {limit}.",
)


@dataclass(frozen=True, slots=True)
class Grant:
    id: int
    guild_id: int
    name: str
    deadline: datetime | None  # aware UTC
    deadline_zone: str  # IANA zone the deadline was read in (for wall-clock offsets)
    rolling: bool
    url: str | None = None
    funder: str | None = None
    notes: str | None = None
    feed_id: int | None = None
    source_uid: str | None = None
    source_hash: str | None = None
    schedule_rev: int = 0  # bumped on every deadline change; part of reminder keys
    # The first schedule_rev of this deadline's round: reminders sent since are never repeated.
    reminder_cycle_rev: int = 0
    created_by: int | None = None

    @property
    def status(self) -> Status:
        if self.deadline is not None:
            return "deadline"
        return "rolling" if self.rolling else "check"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.deadline_zone)


# --- what people type -------------------------------------------------------------------------


def clean_name(text: str) -> str:
    """A grant's name: single-spaced, 1 to 100 characters."""
    return NAME_RULE.tidy(text)


def name_key(name: str) -> str:
    """What makes two names the same name: case and spacing do not count."""
    return " ".join(name.split()).casefold()


def http_url(text: str) -> str:
    """The typed text, trimmed, if it is an http(s) URL with a host, no spaces and no user name
    (at most URL_MAX characters); GrantError otherwise."""
    url = text.strip()
    if len(url) > URL_MAX:
        raise GrantError(f"That link is {len(url)} characters long; at most {URL_MAX}.")
    match = re.fullmatch(r"(?i)(https?)://([^/\s?#]+)[^\s]*", url)
    if match is None or "@" in match[2] or not match[2].strip("."):
        raise GrantError(
            f"'{url[:100]}' isn't a web link; give one starting with https:// or http://,"
            " e.g. https://funds.effectivealtruism.org/funds/far-future."
        )
    return url


def clean_text(text: str, limit: int, what: str) -> str:
    too_long = "The {what} is {length} characters long; keep it to {limit}."
    return LineRule(limit, GrantError, too_long).within(text.strip(), what=what)


def is_clear_word(text: str) -> bool:
    """'none' (or 'clear', '-') empties an optional field in /grants edit."""
    return text.strip().casefold() in CLEAR_WORDS


def format_offsets(offsets: Iterable[timedelta]) -> str:
    """Offsets the way parse_offsets reads them and the store keeps them, without repeats,
    largest first: '30d,14d,7d' (empty for none)."""
    return ",".join(format_offset(o) for o in sorted(set(offsets), reverse=True))


def read_offsets(text: str) -> tuple[timedelta, ...]:
    """Stored offsets back into durations (an empty text means none, e.g. a muted grant)."""
    return parse_offsets(text) if text.strip() else ()


# --- reminder times -----------------------------------------------------------------------------


def reminder_at(deadline: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """When the reminder `offset` before `deadline` is due.

    Whole days are counted on the deadline zone's wall clock (7d before 23:59 is 23:59 a
    week earlier, even across a DST change); the rest of the offset is exact elapsed time.
    """
    if offset.days == 0:
        # No wall clock involved: going through local time would lose the fold of a deadline
        # in the repeated hour of a DST change and land an hour early.
        return deadline - offset
    local = deadline.astimezone(zone).replace(tzinfo=None) - timedelta(days=offset.days)
    at, _ = localize(local, zone)
    return at - timedelta(seconds=offset.seconds, microseconds=offset.microseconds)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """Which offsets still lie ahead (with their times), which had passed already, and which
    were sent before the deadline moved (never repeated)."""

    ahead: tuple[tuple[timedelta, datetime], ...]
    passed: tuple[timedelta, ...]
    sent: tuple[timedelta, ...] = ()


def plan_reminders(
    deadline: datetime,
    offsets: Iterable[timedelta],
    zone: ZoneInfo,
    now: datetime,
    sent: Collection[timedelta] = (),
) -> ReminderPlan:
    ahead: list[tuple[timedelta, datetime]] = []
    passed: list[timedelta] = []
    already: list[timedelta] = []
    for offset in sorted(set(offsets), reverse=True):
        at = reminder_at(deadline, offset, zone)
        if offset in sent:
            already.append(offset)
        elif at > now:
            ahead.append((offset, at))
        else:
            passed.append(offset)
    return ReminderPlan(tuple(ahead), tuple(passed), tuple(already))


def superseded_by(
    offset: timedelta,
    offsets: Iterable[timedelta],
    deadline: datetime,
    zone: ZoneInfo,
    now: datetime,
) -> timedelta | None:
    """A nearer offset that is also due by now, if any.

    After downtime several reminders of one deadline can be due at once; a recipient then
    gets only the nearest one ("1 day left"), not also the stale "14 days left".
    """
    nearer = [o for o in offsets if o < offset and reminder_at(deadline, o, zone) <= now]
    return max(nearer) if nearer else None


def effective_offsets(
    per_grant: Mapping[int, tuple[timedelta, ...]],
    every_grant: Mapping[int, tuple[timedelta, ...]],
) -> dict[int, tuple[timedelta, ...]]:
    """Each subscriber's offsets for one grant.

    A subscription to the grant itself wins over `subscribe all:`; an empty one means the
    member unsubscribed from this grant while keeping their all-grants subscription.
    """
    result = {user: offsets for user, offsets in every_grant.items() if offsets}
    for user, offsets in per_grant.items():
        if offsets:
            result[user] = offsets
        else:
            result.pop(user, None)
    return result


# --- reminders already sent, the monthly nudge -------------------------------------------------


def sent_reminders(
    payloads: Iterable[Mapping[str, Any]], cycle_rev: int
) -> set[tuple[timedelta, int | None]]:
    """(offset, recipient) pairs already reminded in this round (recipient None: the channel).

    `payloads` are those of the grant's delivered reminder occurrences, of any schedule_rev;
    the ones from before `cycle_rev` belong to an earlier round (a deadline that passed).
    """
    return {
        (
            timedelta(seconds=int(p["offset"])),
            None if p.get("user_id") is None else int(p["user_id"]),
        )
        for p in payloads
        if int(p["rev"]) >= cycle_rev
    }


def next_nudge_at(now: datetime, zone: ZoneInfo) -> datetime:
    """The next 1st of a month at 10:00 in `zone`, strictly after `now`."""
    local = now.astimezone(zone)
    first = date(local.year, local.month, 1)
    for _ in range(3):
        at, _note = localize(datetime.combine(first, NUDGE_AT), zone)
        if at > now:
            return at
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    raise AssertionError("unreachable: a 1st of the month comes within two months")


def local_date_at(label: str, at: time, zone: ZoneInfo) -> datetime:
    """`at` in `zone` on the local date a key names: YYYY-MM-DD, or YYYY-MM for its 1st."""
    day = date.fromisoformat(label if len(label) > len("YYYY-MM") else f"{label}-01")
    instant, _note = localize(datetime.combine(day, at), zone)
    return instant


# --- choosing a grant, forgetting a member ------------------------------------------------------


def rank_choices(grants: Sequence[Grant], typed: str, now: datetime) -> list[Grant]:
    """Grants whose name contains what was typed: prefix matches first, upcoming before past."""
    query = typed.strip().casefold()

    def rank(g: Grant) -> tuple[int, int, float, str]:
        name = g.name.casefold()
        tier = 0 if name.startswith(query) else 1
        past = 1 if g.deadline is not None and g.deadline <= now else 0
        soon = g.deadline.timestamp() if g.deadline is not None else float("inf")
        return (tier, past, soon, name)

    found = [g for g in grants if query in g.name.casefold()]
    return sorted(found, key=rank)[:25]


def without_member(text: str, user_id: int) -> str:
    """Text a moderator wrote, with a forgotten member's mentions and id taken out."""
    text = re.sub(rf"<@!?{user_id}>", "a former member", text)
    return text.replace(str(user_id), "[removed]")


# --- imported feeds ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One VEVENT of an imported calendar, already checked."""

    uid: str
    name: str
    deadline: datetime  # aware UTC
    url: str | None = None
    notes: str | None = None
    cancelled: bool = False

    @property
    def fingerprint(self) -> str:
        """Changes whenever the feed changes this event (so a refresh knows to update)."""
        text = "\x1f".join(
            [self.name, str(int(self.deadline.timestamp())), self.url or "", self.notes or ""]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


UpsertAction = Literal["add", "update", "unchanged", "remove", "ignore"]


def upsert_action(existing: Grant | None, event: FeedEvent) -> UpsertAction:
    """What an import does with one event, given the grant it made last time (by UID).

    An unchanged event leaves the grant alone, so a moderator's own edits survive until the
    feed itself changes that event.
    """
    if event.cancelled:
        return "ignore" if existing is None else "remove"
    if existing is None:
        return "add"
    return "unchanged" if existing.source_hash == event.fingerprint else "update"


def unique_name(wanted: str, taken: set[str], deadline: datetime | None, zone: ZoneInfo) -> str:
    """`wanted`, or with its date (then a number) appended when another grant has that name."""
    if name_key(wanted) not in taken:
        return wanted
    base = wanted
    if deadline is not None:
        base = f"{wanted} ({deadline.astimezone(zone):%Y-%m-%d})"
        if name_key(base) not in taken and len(base) <= NAME_MAX:
            return base
    for number in range(2, 1000):
        suffix = f" ({number})"
        candidate = base[: NAME_MAX - len(suffix)] + suffix
        if name_key(candidate) not in taken:
            return candidate
    raise GrantError("Too many grants share that name.")


# --- the starter pack -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StarterEntry:
    name: str
    funder: str
    url: str
    rolling: bool
    notes: str
    checked_on: date  # when a person last checked the entry against the funder's own pages
    decision_days: int | None = None  # the funder's typical time to a decision, where known


# Checked on 6 December 2026 (see the closing note of issue [5 of 6]): Open Philanthropy is now
# Coefficient Giving; programs that do not fund remote independent researchers say so.
_CHECKED = date(2026, 12, 6)

# Official sites only and no dates: rounds and windows change every year, so the entries say
# "rolling" (applications any time) or "check the site" and a moderator adds real deadlines.
STARTER_PACK: tuple[StarterEntry, ...] = (
    StarterEntry(
        "Long-Term Future Fund",
        "EA Funds",
        "https://funds.effectivealtruism.org/funds/far-future",
        True,
        "Grants for AI safety and other long-term future work, including independent research"
        " and upskilling; rolling applications, with a decision typically in about a month."
        " Read its past grants before applying: https://funds.effectivealtruism.org/grants",
        _CHECKED,
        decision_days=30,
    ),
    StarterEntry(
        "Coefficient Giving",
        "Coefficient Giving (formerly Open Philanthropy)",
        "https://coefficientgiving.org/",
        False,
        "Formerly Open Philanthropy. Funds AI safety research and career development through"
        " its Navigating Transformative AI fund's requests for proposals; check the site for"
        " what is open now.",
        _CHECKED,
    ),
    StarterEntry(
        "Survival and Flourishing Fund",
        "Survival and Flourishing Fund",
        "https://survivalandflourishing.fund/",
        False,
        "Grant rounds (the S-process) mostly for organisations and projects: an independent"
        " researcher usually applies through a fiscal sponsor. Check the site for the next"
        " round.",
        _CHECKED,
    ),
    StarterEntry(
        "Manifund",
        "Manifund",
        "https://manifund.org/",
        True,
        "Post a project for regrantors and donors to fund; open any time, and individuals"
        " can apply.",
        _CHECKED,
    ),
    StarterEntry(
        "MATS",
        "ML Alignment & Theory Scholars",
        "https://www.matsprogram.org/",
        False,
        "Not a grant for remote independent work: an in-person mentored research program"
        " with a stipend. Cohorts open applications a few months ahead; check the site.",
        _CHECKED,
    ),
    StarterEntry(
        "Foresight Institute AI safety grants",
        "Foresight Institute",
        "https://foresight.org/",
        False,
        "Grants for AI safety work among Foresight's programs; check the site for current calls.",
        _CHECKED,
    ),
    StarterEntry(
        "AI Safety Camp",
        "AI Safety Camp",
        "https://www.aisafety.camp/",
        False,
        "Not a grant: a remote, part-time program where teams work on an AI safety project."
        " Applications open once a year; check the site.",
        _CHECKED,
    ),
)
