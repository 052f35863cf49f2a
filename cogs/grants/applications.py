"""Pure logic of members' grant applications and private opportunities: statuses, the dates a
member types (a submission is today or earlier), the default decision date, when the bot asks
how it went, and the digest's counts. No discord, no await; `now` is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.timeparse import localize, parse_deadline
from cogs.grants.logic import GrantError

Status = Literal["drafting", "submitted", "funded", "declined", "withdrawn", "no_answer"]
STATUSES: tuple[Status, ...] = (
    "drafting",
    "submitted",
    "funded",
    "declined",
    "withdrawn",
    "no_answer",
)
DECIDED: frozenset[str] = frozenset({"funded", "declined", "withdrawn", "no_answer"})
STATUS_LABELS = {
    "drafting": "drafting",
    "submitted": "submitted",
    "funded": "funded 🎉",
    "declined": "declined",
    "withdrawn": "withdrawn",
    "no_answer": "no answer",
}
DEFAULT_DECISION_DAYS = 30  # a grant without decision_days: funders answer in about a month
DECISION_DAYS_MAX = 365
DECISION_DAYS_HINT = "Days the funder usually takes to decide (default 30), for members' follow-ups"
ASK_AFTER = timedelta(days=7)  # the one DM comes a week after the decision was due
ASK_AGAIN = timedelta(days=14)  # "Still waiting" asks again two weeks later
OLDEST = timedelta(days=2 * 365)  # a submission older than this is a typo, not a record
DECISION_SPAN = timedelta(days=2 * 365)  # no funder takes longer than this
AMOUNT_MAX = 50
PERSONAL_MAX = 25  # private opportunities per member (one autocomplete page)
DAY_TIME = time(12, 0)  # a date typed without a time means midday, in the member's zone

DATE_FORMS = (
    "Accepted: `today`, `yesterday`, `3 days ago`, `2 weeks ago`, a date such as `2026-11-20`"
    " or `20 Nov` (a time may follow, e.g. `2026-11-20 14:30`)."
)


class ApplicationError(GrantError):
    """What a member typed about an application is not acceptable; the message says why."""


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    guild_id: int
    user_id: int
    grant_id: int | None  # None: the grant was removed since (grant_name remembers it)
    grant_name: str
    status: Status
    submitted_at: datetime | None
    decision_at: datetime | None
    amount: str | None
    share: bool
    ask_rev: int
    next_ask_at: datetime | None
    decided_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Personal:
    """A member's own opportunity: only they see it and its reminders."""

    id: int
    guild_id: int
    user_id: int
    name: str
    deadline: datetime
    deadline_zone: str
    url: str | None
    offsets: tuple[timedelta, ...]
    rev: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.deadline_zone)


# --- what members type ------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
_CLOCK = r"(?:[ t]+(?:at\s+)?(?P<h>\d{1,2}):(?P<mi>\d{2}))?"
_RE_ISO = re.compile(rf"(?P<y>\d{{4}})-(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}}){_CLOCK}", re.ASCII)
_RE_DAY_MON = re.compile(rf"(?P<d>\d{{1,2}})\s+(?P<mon>{_MON})\.?(?:\s+(?P<y>\d{{4}}))?{_CLOCK}")
_RE_MON_DAY = re.compile(rf"(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:,?\s+(?P<y>\d{{4}}))?{_CLOCK}")
_RE_AGO = re.compile(r"(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|wks?|weeks?)\s+ago", re.ASCII)
_RELATIVE_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1}
_RE_RELATIVE = re.compile(rf"(?P<word>today|yesterday|tomorrow){_CLOCK}", re.ASCII)


def _local_day(text: str, today: date, *, prefer_past: bool) -> tuple[date, time | None] | None:
    """The local date (and time, if typed) of the forms in DATE_FORMS; None if not one."""
    if m := _RE_AGO.fullmatch(text):
        per = 7 if m["unit"].startswith("w") else 1
        return today - timedelta(days=int(m["n"]) * per), None
    m = _RE_ISO.fullmatch(text) or _RE_DAY_MON.fullmatch(text) or _RE_MON_DAY.fullmatch(text)
    relative = _RE_RELATIVE.fullmatch(text)
    if m is None and relative is None:
        return None
    groups = (m or relative).groupdict()  # type: ignore[union-attr]  # one of them matched
    clock = None
    if groups["h"] is not None:
        hour, minute = int(groups["h"]), int(groups["mi"])
        if hour > 23 or minute > 59:
            raise ApplicationError(f"'{text}' has no such time of day. {DATE_FORMS}")
        clock = time(hour, minute)
    if relative is not None:
        return today + timedelta(days=_RELATIVE_DAYS[relative["word"]]), clock
    month = int(groups["mo"]) if groups.get("mo") else _MONTHS[groups["mon"]]
    years = [int(groups["y"])] if groups["y"] else [today.year, today.year - 1, today.year + 1]
    for year in years:
        try:
            day = date(year, month, int(groups["d"]))
        except ValueError:
            continue
        # Without a year: the latest such day not after today (or the next one not before it).
        if groups["y"] or (day <= today if prefer_past else day >= today):
            return day, clock
    raise ApplicationError(f"'{text}' isn't a real date. {DATE_FORMS}")


def _instant(day: date, clock: time | None, zone: ZoneInfo) -> datetime:
    at, _note = localize(datetime.combine(day, clock or DAY_TIME), zone)
    return at


def read_submitted(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """When an application went in: today or earlier, at most two years ago.

    A date alone is midday in the member's zone, except today, which is now (midday today may
    still be ahead, and "I sent it today" must not be refused as the future).
    """
    typed = " ".join(text.strip().casefold().split())
    today = now.astimezone(zone).date()
    found = _local_day(typed, today, prefer_past=True)
    if found is None:
        raise ApplicationError(f"I can't read '{text[:100]}' as a date. {DATE_FORMS}")
    day, clock = found
    when = now if day == today and clock is None else _instant(day, clock, zone)
    if when > now:
        raise ApplicationError(
            f"'{text[:100]}' is in the future; `submitted:` is when you sent the application,"
            " today or earlier (for one you are still writing, use `status: drafting`)."
        )
    if now - when > OLDEST:
        raise ApplicationError(
            f"'{text[:100]}' is more than two years ago; give a submission date within the last"
            " two years."
        )
    return when


def read_decision(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """When a decision is due, as typed: the dates of DATE_FORMS (past or future), or any
    future moment /grants add accepts ('in 6 weeks', 'next friday')."""
    typed = " ".join(text.strip().casefold().split())
    found = _local_day(typed, now.astimezone(zone).date(), prefer_past=False)
    if found is not None:
        return _instant(*found, zone)
    return parse_deadline(text, zone, now).when


def default_decision(submitted: datetime, decision_days: int | None, zone: ZoneInfo) -> datetime:
    """The submission's local date plus the grant's usual days to decide, at midday."""
    days = DEFAULT_DECISION_DAYS if decision_days is None else decision_days
    return _instant(submitted.astimezone(zone).date() + timedelta(days=days), None, zone)


def check_decision(decision: datetime, submitted: datetime | None, zone: ZoneInfo) -> None:
    """A decision is due on or after the submission's date, within two years of it."""
    if submitted is None:
        return
    if decision.astimezone(zone).date() < submitted.astimezone(zone).date():
        raise ApplicationError(
            f"The decision date ({decision.astimezone(zone):%d %b %Y}) is before the submission"
            f" date ({submitted.astimezone(zone):%d %b %Y}); give a `decision_by:` on or after"
            " the day you submitted."
        )
    if decision - submitted > DECISION_SPAN:
        raise ApplicationError(
            "The decision date is more than two years after the submission; give one within"
            " two years of it."
        )


def first_ask_at(decision: datetime, now: datetime) -> datetime:
    """When to ask how it went: a week after the decision was due, and never sooner than a
    week from now (an application recorded after its decision date passed is not asked about
    the moment it is recorded)."""
    return max(decision + ASK_AFTER, now + ASK_AFTER)


def clean_amount(text: str) -> str:
    """Free text ('$40k', '25,000 GBP', 'stipend for 6 months'), single-spaced, <= 50 chars."""
    amount = " ".join(text.split())
    if not amount:
        raise ApplicationError("The amount is empty; give it as you like, e.g. `$40k`.")
    if len(amount) > AMOUNT_MAX:
        raise ApplicationError(
            f"The amount is {len(amount)} characters long; keep it to {AMOUNT_MAX}, e.g. `$40k`."
        )
    return amount


def status_from(given: str | None, submitted_given: bool, current: Status | None) -> Status:
    """The status an application gets: the one given, else submitted if a submission date
    was given, else what it was (a new one is being drafted)."""
    if given is not None:
        if given not in STATUSES:
            raise ApplicationError(f"'{given}' isn't a status; pick one from the list.")
        return given  # narrowed by the check against STATUSES
    if submitted_given:
        return "submitted"
    return current or "drafting"


def starts_anew(latest: Application, status: str | None, submitted: str | None) -> bool:
    """Whether /grants applied records a new application rather than updating the latest one
    to the same grant: only once that one is decided, and the member starts another round
    (drafting, or submitted / a submission date). A decided one stays correctable otherwise
    (a mis-pressed Declined becomes Funded)."""
    if latest.status not in DECIDED:
        return False
    return status in ("drafting", "submitted") or (status is None and submitted is not None)


# --- the digest ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthCounts:
    submitted: int
    funded: int
    declined: int
    shared: tuple[tuple[int, str, Status], ...]  # (member, grant, status) of "share my news"


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The 1st of this month, 00:00 in `zone`."""
    local = now.astimezone(zone)
    at, _note = localize(datetime(local.year, local.month, 1), zone)
    return at


def month_counts(
    applications: Iterable[Application], since: datetime, now: datetime
) -> MonthCounts:
    """Applications submitted, funded and declined in [since, now]; names only of the shared."""
    submitted = funded = declined = 0
    shared: list[tuple[int, str, Status]] = []
    for app in applications:
        went_in = app.submitted_at is not None and since <= app.submitted_at <= now
        decided = (
            app.status in ("funded", "declined")
            and app.decided_at is not None
            and since <= app.decided_at <= now
        )
        submitted += went_in
        funded += decided and app.status == "funded"
        declined += decided and app.status == "declined"
        if app.share and (went_in or decided):
            shared.append((app.user_id, app.grant_name, "submitted" if not decided else app.status))
    return MonthCounts(submitted, funded, declined, tuple(shared))
