"""Pure: what a nudge says (no discord, no await)."""

from __future__ import annotations

from bot.errors import DomainError

NOTE_MAX = 200


class NudgeError(DomainError):
    """A nudge the member asked for breaks a rule."""


def nudge_text(note: str) -> str:
    text = " ".join(note.split())
    if not text:
        raise NudgeError("A nudge needs a note: write what to remind you of.")
    if len(text) > NOTE_MAX:
        raise NudgeError(f"A note is at most {NOTE_MAX} characters; yours has {len(text)}.")
    return f"⏰ You asked to be nudged: {text}"
