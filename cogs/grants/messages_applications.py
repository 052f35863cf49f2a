"""Texts about members' applications and private opportunities (no Discord I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import discord
from discord.utils import escape_markdown

from bot.time import discord_timestamp
from bot.timeparse import format_offset
from bot.ui import clip, embed
from cogs.grants.applications import (
    DEFAULT_DECISION_DAYS,
    STATUS_LABELS,
    Application,
    MonthCounts,
    Personal,
)
from cogs.grants.logic import format_offsets

# The question comes by DM only (a channel would reveal the application).
DMS_CLOSED_NOTE = (
    "\nMy last DM to you didn't arrive (your DMs are closed): allow DMs from server members,"
    " or the question is skipped."
)
LIST_MAX = 20  # applications shown by /grants applications (an embed's 4096 characters)


def _name(text: str) -> str:
    return f"**{escape_markdown(text)}**"


def _day(app: Application) -> str:
    parts = []
    if app.submitted_at is not None:
        parts.append(f"submitted {discord_timestamp(app.submitted_at, 'D')}")
    if app.decision_at is not None and app.status in ("drafting", "submitted"):
        parts.append(f"decision expected by {discord_timestamp(app.decision_at, 'D')}")
    if app.decided_at is not None:
        parts.append(f"{STATUS_LABELS[app.status]} {discord_timestamp(app.decided_at, 'D')}")
    return ", ".join(parts)


def application_line(app: Application) -> str:
    line = f"• {_name(app.grant_name)}: {STATUS_LABELS[app.status]}"
    if app.amount:
        line += f" · {escape_markdown(app.amount)}"
    if when := _day(app):
        line += f"\n  {when}"
    if app.share:
        line += " · news shared in the digest"
    return line


def recorded_reply(app: Application, guessed: bool) -> str:
    """What /grants applied answers (only the member sees it)."""
    lines = [f"Recorded (only you see this): {application_line(app)}"]
    if app.status == "submitted" and app.next_ask_at is not None:
        lines.append(
            f"I'll DM you {discord_timestamp(app.next_ask_at, 'R')} to ask how it went"
            f" ({discord_timestamp(app.next_ask_at, 'D')})."
        )
        if guessed:
            lines.append(
                f"The decision date is a guess ({DEFAULT_DECISION_DAYS} days after submitting);"
                " give `decision_by:` if the funder said otherwise."
            )
    elif app.status == "drafting":
        lines.append("When you send it, record `submitted:` and I'll follow up on the decision.")
    if not app.share:
        lines.append("`share:True` would let the weekly digest name you with this news.")
    return clip("\n".join(lines), 2000)


def applications_embed(apps: Sequence[Application]) -> discord.Embed:
    if not apps:
        return embed(
            "Your grant applications",
            "None yet. Record one with `/grants applied grant:` (only you see them).",
        )
    lines = [application_line(a) for a in apps[:LIST_MAX]]
    if len(apps) > LIST_MAX:
        lines.append(f"…and {len(apps) - LIST_MAX} older ones (in `/me export`).")
    card = embed("Your grant applications", clip("\n".join(lines), 4000))
    card.set_footer(text="Only you see these · /grants applied to update one")
    return card


def ask_content(app: Application) -> str:
    """The one DM a week after the decision was due."""
    assert app.decision_at is not None
    return (
        f"How did your application to {_name(app.grant_name)} go? The decision was expected"
        f" by {discord_timestamp(app.decision_at, 'D')}. Tap what happened (only you see this)."
    )


ANSWERED = {
    "funded": "🎉 Congratulations! Recorded your application to {name} as funded.",
    "declined": "Recorded your application to {name} as declined. On to the next one.",
    "withdrawn": "Recorded your application to {name} as withdrawn.",
    "waiting": "Noted: still waiting on {name}. I'll ask again {when}.",
}


def answered_text(app: Application, answer: str) -> str:
    when = discord_timestamp(app.next_ask_at, "R") if app.next_ask_at else ""
    return ANSWERED[answer].format(name=_name(app.grant_name), when=when)


def digest_application_lines(counts: MonthCounts) -> list[str]:
    """Counts only; a member is named only for an application they chose to share."""
    if not (counts.submitted or counts.funded or counts.declined):
        return []
    lines = [
        f"Applications this month: {counts.submitted} submitted, {counts.funded} funded,"
        f" {counts.declined} declined."
    ]
    for user_id, grant, status in counts.shared[:5]:
        verb = {"funded": "was funded by", "declined": "heard back from"}.get(status, "applied to")
        lines.append(f"• <@{user_id}> {verb} {_name(grant)}")
    return lines


# --- private opportunities ----------------------------------------------------------------------


def personal_line(entry: Personal) -> str:
    name = _name(entry.name)
    if entry.url:
        name = f"[{name}]({entry.url})"
    return (
        f"• {name}: {discord_timestamp(entry.deadline, 'F')}"
        f" ({discord_timestamp(entry.deadline, 'R')}) · DMs {format_offsets(entry.offsets)} before"
    )


def personal_list_embed(entries: Sequence[Personal]) -> discord.Embed:
    if not entries:
        return embed(
            "Your private opportunities",
            "None yet. `/grants mine add name: deadline:` keeps one only you see.",
        )
    card = embed("Your private opportunities", clip("\n".join(map(personal_line, entries)), 4000))
    card.set_footer(text="Only you see these and their reminders")
    return card


def personal_reminder(
    entry: Personal, offset: timedelta, guild_name: str
) -> tuple[str, discord.Embed]:
    content = f"⏰ Your deadline {discord_timestamp(entry.deadline, 'R')}: {_name(entry.name)}"
    lines = [f"Deadline {discord_timestamp(entry.deadline, 'F')}."]
    if entry.url:
        lines.append(f"Apply: {entry.url}")
    card = embed(f"⏰ {clip(entry.name, 200)}", "\n".join(lines))
    card.set_footer(
        text=f"Reminder {format_offset(offset)} before · your private opportunity in"
        f" {clip(guild_name, 100)} · /grants mine remove to stop"
    )
    return content, card
