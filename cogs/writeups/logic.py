"""Pure write-up logic: stages, titles, links and where a published post lives (no discord,
no await).

A published link is only read, never fetched: recognising LessWrong, the Alignment Forum and
arXiv is a matter of the URL's host, checked strictly so that `https://lesswrong.com@evil.example`
or `https://lesswrong.com.evil.example` are never shown as LessWrong.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from bot.errors import DomainError

FEATURE_NAME = "writeups"
STAGES = ("idea", "drafting", "feedback", "revising", "published")
STAGE_LABELS = {
    "idea": "💡 Idea",
    "drafting": "✍️ Drafting",
    "feedback": "🔁 Out for feedback",
    "revising": "🛠️ Revising",
    "published": "📣 Published",
}
TITLE_MAX = 200
URL_MAX = 500
DEFAULT_NUDGE_WEEKS = 4
MAX_NUDGE_WEEKS = 52
# Known venues by registrable domain; a host is theirs only if it IS the domain or a subdomain.
VENUES = (
    ("lesswrong.com", "LessWrong"),
    ("alignmentforum.org", "Alignment Forum"),
    ("arxiv.org", "arXiv"),
)
PERSONAL_BLOG = "Personal blog"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class WriteupError(DomainError):
    """A write-up the member asked for breaks a rule."""


@dataclass(frozen=True)
class Link:
    """A checked http(s) URL (an IDN host shown in its ASCII form) and where it lives."""

    url: str
    venue: str


def clean_title(title: str) -> str:
    text = " ".join(title.split())
    if not text:
        raise WriteupError("A write-up needs a title: write a few words about what it is.")
    if len(text) > TITLE_MAX:
        raise WriteupError(
            f"A title is at most {TITLE_MAX} characters; yours has {len(text)}. Shorten it."
        )
    return text


def check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise WriteupError(f"Unknown stage {stage[:40]!r}; the stages are {', '.join(STAGES)}.")
    return stage


def recognise_link(text: str) -> Link:
    """Check a link a member typed and say where it lives (LessWrong, the Alignment Forum,
    arXiv, or a personal blog). Raises WriteupError for anything but a plain http(s) URL."""
    url = text.strip()
    accepted = "Give a full web address starting with http:// or https://, e.g. https://www.lesswrong.com/posts/…"
    if not url:
        raise WriteupError(f"The link is empty. {accepted}")
    if len(url) > URL_MAX:
        raise WriteupError(f"A link is at most {URL_MAX} characters; yours has {len(url)}.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c == "\\" for c in url):
        raise WriteupError(
            f"A link cannot contain spaces, backslashes or control characters. {accepted}"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise WriteupError(f"I could not read that link. {accepted}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise WriteupError(f"Only http:// and https:// links are accepted. {accepted}")
    if "@" in parts.netloc:
        # user:pass@host hides the real host behind a familiar-looking name
        raise WriteupError(
            "A link cannot carry a user name or password before its host (the part before '@')."
        )
    ascii_host = _ascii_host(host)
    netloc = parts.netloc if ascii_host == host else parts.netloc.lower().replace(host, ascii_host)
    clean = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    return Link(clean, venue_of(ascii_host))


def _ascii_host(host: str) -> str:
    """The host in ASCII (punycode for an IDN), or WriteupError when it is not a host name."""
    host = host.rstrip(".")
    if not host:
        raise WriteupError("That link has no host name (like www.lesswrong.com).")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise WriteupError(f"{host[:80]!r} is not a valid host name.") from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise WriteupError(f"{host[:80]!r} is not a valid host name.")
    return ascii_host


def venue_of(ascii_host: str) -> str:
    host = ascii_host.lower().rstrip(".")
    for domain, name in VENUES:
        if host == domain or host.endswith("." + domain):
            return name
    return PERSONAL_BLOG


def nudge_due(stage: str, stage_since: datetime, weeks: int) -> datetime | None:
    """When a write-up left in its stage gets its one gentle nudge (None: never)."""
    if stage == "published" or weeks <= 0:
        return None
    return stage_since + timedelta(weeks=weeks)


def after_draft_created(stage: str) -> str | None:
    """The stage a write-up moves to when its feedback-swap draft is created (None: stays)."""
    return "feedback" if stage in ("idea", "drafting", "revising") else None


def after_swap_completed(stage: str) -> str | None:
    """The stage a write-up moves to when a review of its draft is done (None: stays)."""
    return "revising" if stage == "feedback" else None


def months_back(now: datetime, count: int) -> list[str]:
    """The last `count` months as "YYYY-MM", oldest first, ending with `now`'s month."""
    year, month = now.year, now.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def published_per_month(published: Iterable[datetime], months: list[str]) -> list[tuple[str, int]]:
    counts = dict.fromkeys(months, 0)
    for at in published:
        key = f"{at.year:04d}-{at.month:02d}"
        if key in counts:
            counts[key] += 1
    return list(counts.items())


def stage_counts(stages: Iterable[tuple[str, bool]]) -> Mapping[str, tuple[int, int]]:
    """(stage, private) rows -> {stage: (all, of which private)} in stage order."""
    counts = {stage: [0, 0] for stage in STAGES}
    for stage, private in stages:
        if stage in counts:
            counts[stage][0] += 1
            counts[stage][1] += int(private)
    return {stage: (c[0], c[1]) for stage, c in counts.items()}
