"""Pure rules of personal reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cogs.reminders.logic import (
    MAX_PENDING,
    TEXT_MAX,
    ReminderError,
    check_room,
    dm_text,
    reminder_text,
)

DUE = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  send   the form ", "send the form"),
        ("line one\nline two", "line one line two"),
        ("x" * (TEXT_MAX + 50), "x" * (TEXT_MAX - 1) + "…"),
    ],
)
def test_reminder_text_is_tidied_and_clipped(typed: str, kept: str) -> None:
    assert reminder_text(typed) == kept


@pytest.mark.parametrize("typed", ["", "   ", "\n\t"])
def test_empty_reminders_are_refused(typed: str) -> None:
    with pytest.raises(ReminderError, match="needs some words"):
        reminder_text(typed)


def test_room_for_at_most_max_pending() -> None:
    check_room(MAX_PENDING - 1)
    with pytest.raises(ReminderError, match=f"You have {MAX_PENDING} reminders"):
        check_room(MAX_PENDING)


@pytest.mark.parametrize(
    ("late", "says_late"),
    [(timedelta(0), False), (timedelta(minutes=5), False), (timedelta(minutes=6), True)],
)
def test_a_late_send_says_when_it_was_due(late: timedelta, says_late: bool) -> None:
    text = dm_text("stretch", DUE, DUE + late, "<t:1:F>")
    assert text.startswith("⏰ **Reminder:** stretch")
    assert ("This was due <t:1:F>" in text) is says_late
