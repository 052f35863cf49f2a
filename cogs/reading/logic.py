"""Pure domain logic of the reading group: the list, sessions, polls, rotation, recurrence.

No discord, no await, no I/O. Every instant is timezone-aware UTC; IANA zones come in only as
parameters, and `now` is always passed in. Errors are `ReadingError` with a message fit to show
the member as it is.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.text import LineRule
from bot.time import discord_timestamp, next_weekly_at
from bot.timeparse import (
    WEEKDAYS,
    ParsedTime,
    TimeParseError,
    format_offset,
    parse_duration,
    parse_when,
)

FEATURE = "reading"  # the feature's id: /config reset, /me notifications, the digest

# --- limits and defaults -------------------------------------------------------------------

MAX_TITLE = 200
MAX_URL = 500
MAX_NOTES = 500
MAX_ITEMS = 300  # per server; a list longer than this is a backlog, not a reading list
MAX_MINUTES = 24 * 60
DEFAULT_DURATION = timedelta(minutes=60)
MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=24)
MAX_POLL_OPTIONS = 10  # two rows of five buttons
MIN_POLL_OPTIONS = 2
DEFAULT_POLL_OPEN = timedelta(hours=24)
POLL_CLOSE_MARGIN = timedelta(minutes=30)  # a poll closes at least this long before its options
DEFAULT_OFFSETS = (timedelta(hours=24), timedelta(hours=1))
DEFAULT_DAYS_AHEAD = 6
MAX_DAYS_AHEAD = 28
MAX_ACTIVE_EVENTS = 100  # Discord's limit of scheduled or active events per server
ATTEND_WINDOW = 6  # "attended recently": Going to one of the last six sessions
LEAD_COOLDOWN = 3  # "led recently": led one of the last three sessions
# Who added a reading or opened a poll, once that member asked to be forgotten: the reading
# and the poll belong to the group and stay. 0 rather than NULL because those columns are
# NOT NULL, and SQLite cannot drop that without rebuilding reading_items, whose rebuild (with
# foreign keys on, inside the migration's transaction) would null every session's item link.
FORMER_MEMBER = 0


Status = Literal["queued", "scheduled", "discussed"]
Choice = Literal["going", "maybe", "cant"]
CHOICES: tuple[Choice, ...] = ("going", "maybe", "cant")
CHOICE_LABELS: Mapping[Choice, str] = {"going": "Going", "maybe": "Maybe", "cant": "Can't"}
REMINDED: frozenset[Choice] = frozenset({"going", "maybe"})  # who gets reminders and notices


class ReadingError(DomainError):
    """What a member asked for is not acceptable; the message says why and what is accepted."""


TITLE_RULE = LineRule(
    MAX_TITLE,
    ReadingError,
    empty="The title is empty; give the reading's title.",
    too_long="The title is {length} characters; keep it to {limit}.",
)
NOTES_RULE = LineRule(
    MAX_NOTES, ReadingError, too_long="The notes are {length} characters; keep them to {limit}."
)


# --- the reading list ----------------------------------------------------------------------


def clean_title(text: str) -> str:
    return TITLE_RULE.tidy(text)


def optional_web_link(text: str | None) -> str | None:
    """An http(s) link as given (trimmed, Discord's <...> taken off); None when nothing was
    given. Unlike grants' `clean_url`, the link is optional and may come in brackets."""
    if text is None or not text.strip():
        return None
    url = text.strip()
    if url.startswith("<") and url.endswith(">"):  # Discord's "no embed" brackets
        url = url[1:-1]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
        raise ReadingError(
            f"'{url[:80]}' isn't a web link; give a full address such as "
            "https://www.alignmentforum.org/posts/..."
        )
    if len(url) > MAX_URL:
        raise ReadingError(f"That link is {len(url)} characters; keep it to {MAX_URL}.")
    return url


def clean_notes(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    return NOTES_RULE.within(text.strip())


def url_key(url: str) -> str:
    """The same page however it was written: no scheme, no www., no trailing slash, any case."""
    parts = urlsplit(url.strip().lower())
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def title_key(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def format_minutes(minutes: int | None) -> str:
    if not minutes:
        return "—"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def moved(order: Sequence[int], item_id: int, position: int) -> list[int]:
    """The list order after moving `item_id` to 1-based `position` (clamped to the list)."""
    if item_id not in order:
        raise ValueError(f"item {item_id} is not in the list")
    rest = [i for i in order if i != item_id]
    index = min(max(position, 1), len(order)) - 1
    return [*rest[:index], item_id, *rest[index:]]


@dataclass(frozen=True)
class StarterItem:
    title: str
    url: str
    minutes: int | None
    notes: str | None = None


# Canonical links only, and the LessWrong or Alignment Forum page wherever a piece is hosted
# there, so members can comment where the authors read: questions, attempts to summarise,
# disagreements. Every link was checked to name a real page (issue [5 of 6]'s closing note).
STARTER_PACK: tuple[StarterItem, ...] = (
    StarterItem(
        'Richard Hamming, "You and Your Research" (1986 talk)',
        "https://www.cs.virginia.edu/~robins/YouAndYourResearch.html",
        60,
        "Why this bot is named Hamming: what are the important problems of your field?",
    ),
    StarterItem(
        'Eliezer Yudkowsky, "The Bottom Line"',
        "https://www.lesswrong.com/posts/34XxbRFe54FycoCDw/the-bottom-line",
        10,
        "Read it before arguing for your own agenda: a conclusion written first is not made"
        " truer by the arguments found for it afterwards.",
    ),
    StarterItem(
        'John Wentworth, "Study Guide"',
        "https://www.lesswrong.com/posts/bjjbp5i5G8bekJuxv/study-guide",
        30,
        "A self-directed curriculum for independent alignment researchers: the technical"
        " background worth building, and why.",
    ),
    StarterItem(
        'Eliezer Yudkowsky, "The Rocket Alignment Problem"',
        "https://www.lesswrong.com/posts/Gg9a4y8reWKtLe3Tn/the-rocket-alignment-problem",
        25,
        "A parable on why alignment needs deconfusion before engineering.",
    ),
    StarterItem(
        'Eliezer Yudkowsky, "AI Alignment: Why It\'s Hard, and Where to Start" (talk)',
        "https://intelligence.org/2016/12/28/ai-alignment-why-its-hard-and-where-to-start/",
        75,
        "A talk on the barriers that make alignment hard.",
    ),
    StarterItem(
        'Richard Ngo, Lawrence Chan, Sören Mindermann, "The alignment problem from a deep '
        'learning perspective"',
        "https://www.alignmentforum.org/posts/KbyRPCAsWv5GtfrbG/"
        "the-alignment-problem-from-a-deep-learning-perspective",
        90,
        "Why alignment could be hard for systems trained like today's.",
    ),
    StarterItem(
        'Evan Hubinger, "An overview of 11 proposals for building safe advanced AI"',
        "https://www.alignmentforum.org/posts/fRsjBseRuvRhMPPE5/"
        "an-overview-of-11-proposals-for-building-safe-advanced-ai",
        90,
        "A map of the strategies tried, with the field's jargon.",
    ),
    StarterItem(
        'Hubinger, van Merwijk, Mikulik, Skalse, Garrabrant, "Risks from Learned Optimization"',
        "https://www.alignmentforum.org/s/r9tYkB2a8Fp4DN8yB",
        120,
        "Mesa-optimisation and inner alignment.",
    ),
    StarterItem(
        'Amodei, Olah, Steinhardt, Christiano, Schulman, Mané, "Concrete Problems in AI Safety"',
        "https://arxiv.org/abs/1606.06565",
        90,
        None,
    ),
    StarterItem(
        'Eliezer Yudkowsky, "Rationality: From AI to Zombies" (the Sequences)',
        "https://www.lesswrong.com/rationality",
        None,
        "Long: take one sequence per session, starting with Map and Territory.",
    ),
)


def missing_starter_items(
    existing: Iterable[tuple[str, str | None]],
    pack: Sequence[StarterItem] = STARTER_PACK,
) -> list[StarterItem]:
    """Starter items whose link or title is not already in the list (by (title, url) pairs)."""
    urls = {url_key(url) for _, url in existing if url}
    titles = {title_key(title) for title, _ in existing}
    return [
        item
        for item in pack
        if url_key(item.url) not in urls and title_key(item.title) not in titles
    ]


def rank_items(query: str, titles: Sequence[tuple[int, str]], limit: int = 25) -> list[int]:
    """Ids for autocomplete: title prefix matches first, then word prefixes, then substrings."""
    q = query.casefold().strip()
    ranked: list[tuple[int, int, int]] = []
    for order, (item_id, title) in enumerate(titles):
        t = title.casefold()
        if not q or t.startswith(q):
            tier = 0
        elif any(word.startswith(q) for word in re.split(r"\W+", t)):
            tier = 1
        elif q in t:
            tier = 2
        else:
            continue
        ranked.append((tier, order, item_id))
    ranked.sort()
    return [item_id for _, _, item_id in ranked[:limit]]


# --- sessions ------------------------------------------------------------------------------


def check_duration(duration: timedelta) -> timedelta:
    if duration > MAX_DURATION:
        raise ReadingError(
            f"A session can last at most 24 hours; {format_offset(duration)} is longer. "
            "Give e.g. `90m` or `1h30m`."
        )
    if duration < MIN_DURATION:
        raise ReadingError(
            f"A session lasts at least {format_offset(MIN_DURATION)}; "
            f"{format_offset(duration)} is shorter."
        )
    return duration


def read_duration(text: str | None, default: timedelta = DEFAULT_DURATION) -> timedelta:
    if text is None or not text.strip():
        return default
    try:
        return check_duration(parse_duration(text))
    except TimeParseError as exc:
        raise ReadingError(str(exc)) from None


def read_when(text: str, zone: ZoneInfo, now: datetime) -> ParsedTime:
    """A session start typed by a member; never in the past (the parser guarantees it)."""
    try:
        return parse_when(text, zone, now)
    except TimeParseError as exc:
        raise ReadingError(str(exc)) from None


def toggled(current: Choice | None, clicked: Choice) -> Choice | None:
    """Clicking your current answer again withdraws it; any other click replaces it."""
    return None if current == clicked else clicked


def encode_offsets(offsets: Sequence[timedelta]) -> str:
    return ",".join(str(int(o.total_seconds())) for o in sorted(set(offsets), reverse=True))


def decode_offsets(text: str) -> tuple[timedelta, ...]:
    return tuple(timedelta(seconds=int(part)) for part in text.split(",") if part.strip())


# --- polls ---------------------------------------------------------------------------------


def split_options(text: str) -> list[str]:
    """Candidate times are comma-separated; semicolons win when a time itself has a comma."""
    separator = ";" if ";" in text else ","
    return [part.strip() for part in text.split(separator) if part.strip()]


def read_poll_options(text: str, zone: ZoneInfo, now: datetime) -> list[ParsedTime]:
    """Up to ten distinct future times, in the order given."""
    parts = split_options(text)
    if len(parts) > MAX_POLL_OPTIONS:
        raise ReadingError(
            f"That is {len(parts)} options; a poll offers at most {MAX_POLL_OPTIONS} times."
        )
    if len(parts) < MIN_POLL_OPTIONS:
        raise ReadingError(
            "A poll needs at least two candidate times, separated by commas, e.g. "
            "`tuesday 18:00, wednesday 18:00, thursday 17:30`."
        )
    parsed: list[ParsedTime] = []
    for number, part in enumerate(parts, start=1):
        try:
            when = parse_when(part, zone, now)
        except TimeParseError as exc:
            raise ReadingError(f"Option {number} ('{part[:60]}'): {exc}") from None
        for earlier, other in enumerate(parsed, start=1):
            if other.when == when.when:
                raise ReadingError(f"Options {earlier} and {number} are the same time.")
        parsed.append(when)
    return parsed


def read_closes(
    text: str | None, zone: ZoneInfo, now: datetime, earliest_option: datetime
) -> datetime:
    """When a poll closes: a duration from now ('12h') or a time ('friday 12:00').

    Without one: in 24 hours, or earlier so that it closes before its earliest option.
    """
    if text is None or not text.strip():
        closes = min(now + DEFAULT_POLL_OPEN, earliest_option - POLL_CLOSE_MARGIN)
        if closes <= now + timedelta(minutes=5):
            raise ReadingError(
                "The earliest option is too soon for a poll to run; give later options or "
                "a `closes:` time before the earliest option."
            )
        return closes
    try:
        closes = now + parse_duration(text)
    except TimeParseError:
        try:
            closes = parse_when(text, zone, now).when
        except TimeParseError as exc:
            raise ReadingError(
                f"`closes:` takes a duration such as `12h` or a time such as `friday 12:00`. {exc}"
            ) from None
    if closes >= earliest_option:
        raise ReadingError(
            "The poll must close before its earliest option; give an earlier `closes:`."
        )
    return closes


@dataclass(frozen=True)
class PollTally:
    position: int  # 1-based, as shown on the buttons
    starts_at: datetime
    voters: frozenset[int] = frozenset()


def poll_winner(options: Sequence[PollTally], now: datetime) -> PollTally | None:
    """Most "can attend" among options still in the future; ties go to the earliest.

    None when no future option has a single vote.
    """
    future = [o for o in options if o.starts_at > now and o.voters]
    if not future:
        return None
    return min(future, key=lambda o: (-len(o.voters), o.starts_at, o.position))


# --- discussion-lead rotation --------------------------------------------------------------


@dataclass(frozen=True)
class PastSession:
    starts_at: datetime
    lead_id: int | None
    attendees: frozenset[int] = field(default_factory=frozenset)


def next_lead(
    history: Iterable[PastSession],
    members: Collection[int],
    *,
    attend_window: int = ATTEND_WINDOW,
    cooldown: int = LEAD_COOLDOWN,
) -> int | None:
    """Who should lead next: fair among members who attended recently and have not led recently.

    Candidates attended (or led) one of the last `attend_window` sessions and are still
    members. Those who led one of the last `cooldown` sessions step aside unless nobody else
    is left. Among the rest: whoever led longest ago (never first), then whoever attended most
    often recently, then the lowest id, so the answer never depends on input order.
    """
    past = sorted(history, key=lambda s: s.starts_at, reverse=True)
    present = set(members)
    recent = past[:attend_window]
    attended: dict[int, int] = {}
    for session in recent:
        people = set(session.attendees)
        if session.lead_id is not None:
            people.add(session.lead_id)
        for person in people & present:
            attended[person] = attended.get(person, 0) + 1
    if not attended:
        return None
    last_led: dict[int, int] = {}  # sessions ago (0 = the latest), over the whole history
    for ago, session in enumerate(past):
        if session.lead_id is not None and session.lead_id not in last_led:
            last_led[session.lead_id] = ago
    rested = [p for p in attended if p not in last_led or last_led[p] >= cooldown]
    pool = rested or list(attended)
    never = len(past) + 1
    return min(pool, key=lambda p: (-last_led.get(p, never), -attended[p], p))


# --- the weekly series ---------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    weekday: int  # 0 = Monday
    at: time
    duration: timedelta
    days_ahead: int


def series_start_after(after: datetime, series: Series, zone: ZoneInfo) -> datetime:
    """The series' next session strictly after `after` (DST-correct wall-clock time)."""
    return next_weekly_at(after, series.weekday, series.at, zone)


def series_due(start: datetime, series: Series) -> datetime:
    """When the session starting at `start` is created and announced."""
    return start - timedelta(days=series.days_ahead)


# A zone change moves a weekly slot by at most 26 hours (UTC-12 to UTC+14).
SERIES_ZONE_SHIFT_MAX = timedelta(days=2)


def series_resume_after(now: datetime, last_start: datetime | None) -> datetime:
    """Where a series' next slot is looked for: after now, and clear of its latest session, so
    a slot that a zone change moved by some hours is never created a second time."""
    return now if last_start is None else max(now, last_start + SERIES_ZONE_SHIFT_MAX)


def series_origin(guild_id: int, start: datetime) -> str:
    """What the session records as its origin: one session per slot, whatever the generation."""
    return f"series:{guild_id}:{int(start.timestamp())}"


def series_text(series: Series, zone: ZoneInfo) -> str:
    return (
        f"every {WEEKDAYS[series.weekday]} at {series.at:%H:%M} ({zone.key}) for "
        f"{format_offset(series.duration)}, created {series.days_ahead} days ahead"
    )


# --- the weekly digest ---------------------------------------------------------------------

DIGEST_TITLE = 80  # characters of a reading's title in a digest line
DIGEST_DISCUSSED = 3  # titles named in "Discussed this week"


@dataclass(frozen=True)
class DigestFacts:
    """What the reading group tells the weekly digest (all read at `now`)."""

    next_title: str | None = None
    next_starts_at: datetime | None = None
    next_going: int = 0
    next_maybe: int = 0
    next_lead: int | None = None
    later_sessions: int = 0  # scheduled after the next one
    poll_closes_at: datetime | None = None  # the earliest open time poll
    discussed: tuple[str, ...] = ()  # titles of sessions held in the last seven days
    queued: int = 0
    up_next: str | None = None  # the first queued reading


def plain(text: str, limit: int = DIGEST_TITLE) -> str:
    """A member-typed title fit for bold markdown: one line, clipped, markdown escaped."""
    one_line = " ".join(text.split())
    clipped = one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
    return re.sub(r"([\\*_~`|>\[\]])", r"\\\1", clipped)


def digest_lines(facts: DigestFacts) -> tuple[str, ...]:
    """The reading group's lines of the weekly digest; empty when there is nothing to say."""
    lines = []
    if facts.next_title is not None and facts.next_starts_at is not None:
        lead = f", lead <@{facts.next_lead}>" if facts.next_lead else ""
        lines.append(
            f"Next session: **{plain(facts.next_title)}**"
            f" {discord_timestamp(facts.next_starts_at, 'F')}"
            f" ({facts.next_going} going, {facts.next_maybe} maybe{lead})."
        )
        if facts.later_sessions:
            lines.append(f"{facts.later_sessions} more session(s) scheduled after it.")
    elif facts.poll_closes_at is not None:
        lines.append(
            "No session scheduled yet; a time poll closes"
            f" {discord_timestamp(facts.poll_closes_at, 'F')}."
        )
    elif facts.queued:
        lines.append("No session scheduled yet: `/reading schedule` or `/reading poll`.")
    if facts.discussed:
        named = ", ".join(f"**{plain(t, 60)}**" for t in facts.discussed[:DIGEST_DISCUSSED])
        more = len(facts.discussed) - DIGEST_DISCUSSED
        lines.append(f"Discussed this week: {named}{f' and {more} more' if more > 0 else ''}.")
    if facts.queued:
        up_next = f"; next up: **{plain(facts.up_next)}**" if facts.up_next else ""
        lines.append(f"{facts.queued} reading(s) queued{up_next}.")
    return tuple(lines)
