"""Pure rules for personal reminders: what may be asked, and what the DM says."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.errors import DomainError
from bot.ui import clip

TEXT_MAX = 1500  # the DM adds a line and a timestamp; a fallback mention adds ~22 characters
MAX_PENDING = 25  # as many as one autocomplete list can offer to cancel
LATE_AFTER = timedelta(minutes=5)


class ReminderError(DomainError):
    """A reminder the member asked for breaks a rule."""


def reminder_text(what: str) -> str:
    """The member's words, tidied; too long is clipped (Discord's limit), empty is refused."""
    text = " ".join(what.split())
    if not text:
        raise ReminderError("A reminder needs some words: write what to remind you of.")
    return clip(text, TEXT_MAX)


def check_room(pending: int) -> None:
    if pending >= MAX_PENDING:
        raise ReminderError(
            f"You have {pending} reminders waiting, the most one member may have. "
            "Cancel one with `/remind cancel` first."
        )


def dm_text(text: str, due_at: datetime, sent_at: datetime, stamp: str) -> str:
    """The reminder as sent; a reminder delivered late (the bot was down) says so."""
    late = sent_at - due_at > LATE_AFTER
    note = f"\n-# This was due {stamp}; Hamming was offline then." if late else ""
    return f"⏰ **Reminder:** {text}{note}"
