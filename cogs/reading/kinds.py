"""The kinds of session a cohort holds: what each is called and what it needs (pure).

A reading discusses a reading from the list; every other kind has a title of its own.
Co-working and writing sprints ask for goals at the start and check back at the end by
default (the goal prompt, jobs_sessions.py).
"""

from __future__ import annotations

from typing import Literal

from bot.errors import DomainError

SessionKind = Literal["reading", "coworking", "sprint", "clinic", "talk", "social"]

# value -> how people read it (the event name and announcement start with it).
KIND_LABELS: dict[str, str] = {
    "reading": "Reading group",
    "coworking": "Co-working",
    "sprint": "Writing sprint",
    "clinic": "Grant clinic",
    "talk": "Talk",
    "social": "Social",
}
GOAL_KINDS = frozenset({"coworking", "sprint"})
MAX_TITLE = 200


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, KIND_LABELS["reading"])


def headline(kind: str, title: str) -> str:
    """'Co-working: Thesis chapter 2' (the event's name, the announcement's title)."""
    return f"{kind_label(kind)}: {title}"


class MissingTitle(DomainError):
    pass


def session_title(kind: str, title: str | None) -> str | None:
    """The title of a non-reading session (required, trimmed); None for a reading, whose
    title is the reading's."""
    cleaned = " ".join((title or "").split())
    if kind == "reading":
        return None
    if not cleaned:
        raise MissingTitle(
            f"A {kind_label(kind).lower()} needs a `title:` (up to {MAX_TITLE} characters),"
            " e.g. `title: Thesis writing`. Only a reading takes its title from the reading list."
        )
    if len(cleaned) > MAX_TITLE:
        raise MissingTitle(f"The title is {len(cleaned)} characters; at most {MAX_TITLE}.")
    return cleaned


def goal_prompt_default(kind: str, chosen: bool | None) -> bool:
    """Asked for goals? What the member chose, else on for co-working and writing sprints."""
    return kind in GOAL_KINDS if chosen is None else chosen
