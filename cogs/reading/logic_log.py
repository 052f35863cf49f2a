"""Pure logic for what follows a reading: the forum page where its authors take comments, the
comment link a member reports, and the personal reading log (no discord, no await)."""

from __future__ import annotations

from typing import Literal, get_args
from urllib.parse import urlsplit

from bot.text import LineRule
from cogs.reading.logic import ReadingError, optional_web_link

# Where the authors answer comments: LessWrong, the Alignment Forum and GreaterWrong (a mirror
# that shares LessWrong's comments). A subdomain (www., forum.) counts as the same forum.
FORUM_HOSTS = {
    "lesswrong.com": "LessWrong",
    "alignmentforum.org": "the Alignment Forum",
    "greaterwrong.com": "GreaterWrong",
}

LogStatus = Literal["skimmed", "read", "deep"]
LOG_STATUSES: tuple[LogStatus, ...] = get_args(LogStatus)
LOG_STATUS_LABELS = {"skimmed": "skimmed", "read": "read", "deep": "read deeply"}
MAX_LOG_NOTE = 500
MAX_MINE_SHOWN = 20  # entries in /reading mine: an embed description stays under 4096

LOG_NOTE_RULE = LineRule(
    MAX_LOG_NOTE, ReadingError, too_long="The note is {length} characters; keep it to {limit}."
)


def forum_of(url: str | None) -> str | None:
    """The forum domain (a FORUM_HOSTS key) `url` is on, or None (no link, another site)."""
    if not url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    for domain in FORUM_HOSTS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def comment_link(text: str | None, forum: str | None) -> str | None:
    """The optional link to a member's comment: http(s), at most 500 characters, and on the
    reading's own forum when it has one. None when nothing was given. Never fetched."""
    link = optional_web_link(text)
    if link is None:
        return None
    if forum is not None and forum_of(link) != forum:
        raise ReadingError(
            f"That link isn't on {FORUM_HOSTS[forum]}; give the link to your comment there"
            f" (an address on {forum}), or leave the field empty."
        )
    return link


def log_note(text: str | None) -> str | None:
    """A note on a log entry: at most 500 characters, as typed; None when empty."""
    if text is None or not text.strip():
        return None
    return LOG_NOTE_RULE.within(text.strip())


def comment_prompt_text(title: str, url: str | None) -> str:
    """The one message after a reading: where to comment, or, with no forum page, a reflection."""
    forum = forum_of(url)
    if forum is not None and url:
        return (
            f"Thanks for reading **{title}** with the group. It is on {FORUM_HOSTS[forum]}, where"
            f" the authors read their comments: {url}\nA question, a summary in your own words"
            " or a disagreement there helps a lot for actually absorbing the ideas. Did you"
            " leave one?"
        )
    return (
        f"Thanks for reading **{title}** with the group. It has no LessWrong or Alignment Forum"
        " page to comment on; a few lines of reflection (a question, a summary, a"
        " disagreement) still help the ideas stick. `/reading log` notes one for you."
    )
