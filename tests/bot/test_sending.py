"""The shared text of jobs and message builders (bot/sending.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sending import UTC_HINT, schedule_reply_text, when_text


def test_when_text_shows_the_full_date_then_how_far() -> None:
    """An instant reads as its full date, then its distance in brackets."""
    instant = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    stamp = int(instant.timestamp())
    assert when_text(instant) == f"<t:{stamp}:F> (<t:{stamp}:R>)"


def test_schedule_reply_nudges_a_utc_server_to_set_its_zone() -> None:
    """While the server is on UTC, the reply says how to set its zone, before the edit hint."""
    text = schedule_reply_text(["On."], "UTC", "Edit it.")
    assert text.split("\n") == ["On.", UTC_HINT, "Edit it."]


def test_schedule_reply_without_the_nudge_once_a_zone_is_set() -> None:
    """A server with its own zone only gets its lines and the edit hint; the input is kept."""
    lines = ["On."]
    assert schedule_reply_text(lines, "Europe/Paris", "Edit it.") == "On.\nEdit it."
    assert lines == ["On."]
