"""Texts of sessions of every kind (no Discord I/O): the goal prompt, `/sessions mine`, the
answer to `/sessions schedule` and the wrap-up of a session that is not a reading."""

from __future__ import annotations

from collections.abc import Sequence

from discord.utils import escape_markdown

from bot.time import discord_timestamp
from bot.ui import clip
from cogs.reading.kinds import kind_label
from cogs.reading.messages import event_link, mentions
from cogs.reading.store_sessions import ReadingSession

OUTCOME_LABELS = {"done": "Done", "partly": "Partly", "not": "Not this time"}
OUTCOME_MARKS = {"done": "✅", "partly": "🌗", "not": "➖"}
MAX_GOAL = 500


def goal_ask_text(session: ReadingSession, going: Sequence[int]) -> str:
    text = (
        f"**{escape_markdown(session.title)}** starts now. What will you get done? Press"
        " **Set my goal** and write it in a line; it is posted here, and at the end I'll ask"
        " how it went."
    )
    return text + (f"\n{mentions(going, 1500)}" if going else "")


def goal_posted_text(user_id: int, goal: str) -> str:
    """The member's goal in the thread (sent with no pings: member text never pings)."""
    return clip(f"🎯 <@{user_id}> will get done: {goal}", 2000)


def goal_check_text(session: ReadingSession, asked: Sequence[int]) -> str:
    text = f"Time's up for **{escape_markdown(session.title)}**. Did you get it done?"
    return text + (f"\n{mentions(asked, 1500)}" if asked else "")


def outcome_text(user_id: int, outcome: str, goal: str | None) -> str:
    about = f" ({clip(goal, 300)})" if goal else ""
    return clip(f"{OUTCOME_MARKS[outcome]} <@{user_id}>: {OUTCOME_LABELS[outcome]}{about}", 2000)


def plain_wrapup_text(session: ReadingSession) -> str:
    return f"Thanks for coming to **{escape_markdown(session.title)}**; the session is over."


def mine_text(rows: Sequence[tuple[ReadingSession, str]]) -> str:
    """`/sessions mine`: Going and Maybe sessions, soonest first, each with its event."""
    if not rows:
        return (
            "You haven't said Going or Maybe to any upcoming session. Press **Going** or"
            " **Maybe** on a session's announcement (`/reading sessions` lists them) and it"
            " shows up here, with reminders before it starts."
        )
    lines = ["Your upcoming sessions:"]
    for session, answer in rows:
        maybe = " *(maybe)*" if answer == "maybe" else ""
        link = (
            f" · [event]({event_link(session.guild_id, session.event_id)})"
            if session.event_id
            else ""
        )
        lines.append(
            f"• {discord_timestamp(session.starts_at, 'F')} · {kind_label(session.kind)}:"
            f" **{escape_markdown(clip(session.title, 120))}**{maybe}{link}"
        )
    return clip("\n".join(lines), 2000)
