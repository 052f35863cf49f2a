"""Feedback swaps' pure rules around the matcher: input checks, cadence, follow-up timing, ledger.

No discord, no await; every function that depends on time takes `now`. Errors a member caused
are `RuleError` (a DomainError) with a message fit to show them as it is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.timeparse import localize

FEATURE_NAME = "feedback_swaps"  # the package; the core (and /me notifications) name it so

DEFAULT_TOPICS: tuple[str, ...] = (
    "interpretability",
    "agent foundations",
    "governance",
    "forecasting",
    "ML experiments",
    "evals",
    "scalable oversight",
    "writing clarity",
)
MAX_TOPICS = 25  # everything fits in one autocomplete list
TOPIC_MAX = 40
TITLE_MAX = 200
LINK_MAX = 500
WANTED_MAX = 1000
LENGTH_MAX = 40

DEFAULT_DRAFT_LIMIT = 2
MAX_DRAFT_LIMIT = 5
DEFAULT_REVIEWERS_PER_DRAFT = 1  # the server default (the issue); the matcher's own is 2
MAX_REPEAT_WINDOW = 12

# A reviewer needs at least this long before the "feedback needed by" date to be useful.
MIN_LEAD = timedelta(days=1)
# The follow-up asks "Did you send your feedback?" this long before the due date.
FOLLOWUP_BEFORE = timedelta(days=1)
EXTENSION = timedelta(days=3)  # "Need 3 more days"
MAX_EXTENSIONS = 2
# With no answer this long after the due date, the assignment has lapsed.
LAPSE_GRACE = timedelta(days=2)
LAPSES_TO_PAUSE = 3  # Donut's rule
PAUSE_MAX = timedelta(days=365)

Cadence = Literal["weekly", "biweekly"]
CADENCE_DAYS: dict[str, int] = {"weekly": 7, "biweekly": 14}


class RuleError(DomainError):
    """What a member typed breaks a rule; the message says what is accepted."""


# --- topics -------------------------------------------------------------------------------
def _topic_key(name: str) -> str:
    return " ".join(name.casefold().split())


def parse_topic_list(text: str, noun: str = "topic") -> tuple[str, ...]:
    """The server's topic (or field) list from a form: one per line, blank lines ignored."""
    topics: list[str] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        name = " ".join(raw.split()).strip(" ,;")
        if not name:
            continue
        if "," in name:
            raise RuleError(
                f"'{name}' contains a comma; members pick {noun}s as a comma-separated list, "
                f"so a {noun} cannot contain one. Put each {noun} on its own line."
            )
        if len(name) > TOPIC_MAX:
            raise RuleError(f"'{name[:50]}' is longer than {TOPIC_MAX} characters; shorten it.")
        if _topic_key(name) in seen:
            continue
        seen.add(_topic_key(name))
        topics.append(name)
    if not topics:
        raise RuleError(f"Give at least one {noun}, one per line.")
    if len(topics) > MAX_TOPICS:
        raise RuleError(f"That is {len(topics)} {noun}s; at most {MAX_TOPICS} are allowed.")
    return tuple(topics)


def parse_topics(text: str | None, allowed: Sequence[str], noun: str = "topic") -> tuple[str, ...]:
    """Topics (or fields) a member typed, comma-separated, matched to the server's list
    ignoring case."""
    if not text or not text.strip():
        return ()
    by_key = {_topic_key(t): t for t in allowed}
    chosen: list[str] = []
    unknown: list[str] = []
    for part in text.split(","):
        key = _topic_key(part)
        if not key:
            continue
        if key not in by_key:
            unknown.append(part.strip())
        elif by_key[key] not in chosen:
            chosen.append(by_key[key])
    if unknown:
        listed = ", ".join(allowed)
        raise RuleError(
            f"Unknown {noun}{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)[:300]}. "
            f"Pick from this server's list (comma-separated): {listed}."
        )
    return tuple(chosen)


def topic_choices(current: str, allowed: Sequence[str], limit: int = 25) -> list[str]:
    """Autocomplete for a comma-separated topic option: complete the part being typed."""
    head, _, tail = current.rpartition(",")
    done = [p.strip() for p in head.split(",") if p.strip()] if head else []
    done_keys = {_topic_key(p) for p in done}
    typed = _topic_key(tail)
    prefix = ", ".join(done)
    found: list[str] = []
    for topic in allowed:
        if _topic_key(topic) in done_keys or typed not in _topic_key(topic):
            continue
        value = f"{prefix}, {topic}" if prefix else topic
        if len(value) <= 100:
            found.append(value)
    return found[:limit]


def topics_text(topics: Iterable[str]) -> str:
    listed = ", ".join(topics)
    return listed or "none"


# --- draft fields ---------------------------------------------------------------------------
def parse_link(text: str) -> str:
    """A draft's link: an absolute http(s) URL with a host."""
    link = text.strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in link)
    ):
        raise RuleError(
            f"'{link[:100]}' is not a web link I can share. Give a full http:// or https:// "
            "address, e.g. https://docs.google.com/document/d/…"
        )
    if len(link) > LINK_MAX:
        raise RuleError(f"The link is longer than {LINK_MAX} characters; use a shorter link.")
    return link


_LENGTH = re.compile(
    r"~?\s*(?P<n>\d+(?:[.,]\d+)?)\s*(?P<k>k)?\s*(?P<unit>[a-z]*)\.?", re.ASCII | re.IGNORECASE
)
_LENGTH_UNITS = {
    "": "words",
    "w": "words",
    "word": "words",
    "words": "words",
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "p": "pages",
    "pp": "pages",
    "page": "pages",
    "pages": "pages",
}


def parse_length(text: str) -> str:
    """'4000 words', '4k', '20 min', '12 pages' -> a normalised '4,000 words' / '20 minutes'."""
    m = _LENGTH.fullmatch(text.strip())
    unit = _LENGTH_UNITS.get(m["unit"].lower()) if m else None
    if m is None or unit is None:
        raise RuleError(
            f"I could not read '{text.strip()[:60]}' as a length. Give a number of words, "
            "minutes or pages, e.g. '4000 words', '4k', '20 min' or '12 pages'."
        )
    amount = float(m["n"].replace(",", "")) * (1000 if m["k"] else 1)
    if amount <= 0 or amount > 1_000_000:
        raise RuleError("The length must be more than zero and at most 1,000,000.")
    shown = f"{amount:,.0f}" if amount >= 1 else f"{amount:g}"
    if shown == "1":
        unit = unit[:-1]
    return f"{shown} {unit}"


def check_due(due_at: datetime, now: datetime, next_round: datetime | None) -> None:
    """The "feedback needed by" date must leave a reviewer time after the next round."""
    earliest = max(now, next_round or now) + MIN_LEAD
    if due_at < earliest:
        if next_round is not None and next_round > now:
            raise RuleError(
                "That is too soon: the next round pairs drafts with reviewers at "
                f"<t:{int(next_round.timestamp())}:F>, and a reviewer needs at least a day "
                f"after that. Choose <t:{int(earliest.timestamp())}:F> or later."
            )
        raise RuleError(
            "That is too soon: a reviewer needs at least a day. Choose "
            f"<t:{int(earliest.timestamp())}:F> or later."
        )


def check_draft_limit(open_drafts: int, limit: int) -> None:
    if open_drafts >= limit:
        raise RuleError(
            f"You already have {open_drafts} open draft{'s' if open_drafts != 1 else ''}, the "
            f"limit in this server is {limit}. Withdraw one with `/feedback withdraw`, or wait "
            "until one has been reviewed."
        )


def is_matchable(due_at: datetime, now: datetime) -> bool:
    """A draft still worth pairing at a round: its due date leaves a reviewer a day."""
    return due_at - now >= MIN_LEAD


# --- cadence --------------------------------------------------------------------------------
def round_slot(instant: datetime, zone: ZoneInfo) -> str:
    """The round's local date in the server's zone, e.g. '2026-11-23': its identity."""
    return instant.astimezone(zone).date().isoformat()


def next_round_at(
    now: datetime,
    *,
    weekday: int,
    at: time,
    zone: ZoneInfo,
    cadence: str,
    anchor: date | None,
) -> datetime:
    """The first round strictly after `now`: that weekday at that local time (DST-correct).

    Biweekly rounds fall on dates a whole number of fortnights from `anchor`.
    """
    step = CADENCE_DAYS[cadence]
    local_now = now.astimezone(zone)
    day = local_now.date() + timedelta(days=(weekday - local_now.weekday()) % 7)
    for _ in range(4):
        if step == 7 or anchor is None or (day - anchor).days % step == 0:
            candidate, _note = localize(datetime.combine(day, at), zone)
            if candidate > now:
                return candidate
        day += timedelta(days=7)
    raise AssertionError("unreachable: a weekly or biweekly slot recurs within four weeks")


# --- follow-up ------------------------------------------------------------------------------
def followup_at(assigned_at: datetime, due_at: datetime) -> datetime:
    """When to ask "Did you send your feedback?": a day before the due date, never before
    half the review time has passed, never after the due date."""
    halfway = assigned_at + (due_at - assigned_at) / 2
    return min(max(due_at - FOLLOWUP_BEFORE, halfway), due_at)


def lapse_at(due_at: datetime) -> datetime:
    return due_at + LAPSE_GRACE


def extended_due(due_at: datetime, extensions: int) -> datetime:
    if extensions >= MAX_EXTENSIONS:
        raise RuleError(
            f"You have already taken {MAX_EXTENSIONS} extensions on this review. Send what you "
            "have, or press Can't do it so the draft can find another reviewer."
        )
    return due_at + EXTENSION


def pauses_after_lapse(lapses: int) -> bool:
    return lapses >= LAPSES_TO_PAUSE


def check_pause(until: datetime, now: datetime) -> None:
    if until - now > PAUSE_MAX:
        raise RuleError("You can pause for up to a year; pick an earlier date.")


# --- what members may read -----------------------------------------------------------------
def member_reason(reason: str) -> str:
    """A matcher reason fit for a member: avoid lists are confidential, so a reason that
    mentions them (and could reveal that someone avoids this member) is said generically."""
    if "avoid list" not in reason:
        return reason
    lead = reason.split(":", 1)[0] if ":" in reason else ""
    generic = "no reviewer in the pool was free to take it"
    return f"{lead}: {generic}" if lead else generic


# --- ledger and reports ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ledger:
    given: int
    received: int
    ratings: tuple[int, ...] = ()

    @property
    def balance(self) -> int:
        """Reviews received minus reviews given: > 0 means the member owes reviews."""
        return self.received - self.given

    @property
    def average_rating(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None

    def describe(self) -> str:
        owed = self.balance
        standing = (
            f"you owe {owed} review{'s' if owed != 1 else ''}"
            if owed > 0
            else f"{-owed} review{'s' if owed != -1 else ''} in credit"
            if owed < 0
            else "even"
        )
        rating = (
            f"; helpfulness {self.average_rating:.1f}/5 from {len(self.ratings)} rating"
            f"{'s' if len(self.ratings) != 1 else ''}"
            if self.ratings
            else ""
        )
        return f"Given {self.given}, received {self.received} ({standing}){rating}."


@dataclass(frozen=True, slots=True)
class Completion:
    total: int
    done: int
    active: int
    cancelled: int
    lapsed: int
    withdrawn: int

    @property
    def rate(self) -> float | None:
        """Done out of the assignments that have ended (active and withdrawn ones excluded)."""
        ended = self.done + self.cancelled + self.lapsed
        return self.done / ended if ended else None

    def describe(self) -> str:
        rate = f"{self.rate:.0%} completed" if self.rate is not None else "none finished yet"
        return (
            f"{self.total} assignments: {self.done} done, {self.active} in progress, "
            f"{self.cancelled} declined, {self.lapsed} lapsed, {self.withdrawn} withdrawn "
            f"({rate})."
        )


def completion(statuses: Iterable[str]) -> Completion:
    counts = Counter(statuses)
    return Completion(
        total=sum(counts.values()),
        done=counts["done"],
        active=counts["active"],
        cancelled=counts["cancelled"],
        lapsed=counts["lapsed"],
        withdrawn=counts["withdrawn"],
    )


def rounds_ago_pairs(
    rounds: Sequence[Sequence[tuple[int, int]]],
) -> list[tuple[int, int, int]]:
    """(reviewer, author, rounds_ago) from the pairs of recent rounds, newest round first."""
    return [
        (reviewer, author, ago)
        for ago, pairs in enumerate(rounds, start=1)
        for reviewer, author in pairs
    ]
