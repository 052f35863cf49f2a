"""Text for the personal reading log (no Discord I/O)."""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord.utils import escape_markdown

from bot.time import discord_timestamp
from bot.ui import clip, embed
from cogs.reading.logic_log import LOG_STATUS_LABELS
from cogs.reading.store_log import LogEntry

DESCRIPTION_BUDGET = 3900  # under the embed description's 4096, with room for the last line


def log_card(entries: Sequence[LogEntry], whose: str) -> discord.Embed:
    """`whose` reading log, newest first; entries that do not fit are counted, not shown."""
    if not entries:
        return embed(f"{whose} reading log", "Nothing logged yet: `/reading log` adds a reading.")
    lines: list[str] = []
    used = 0
    for entry in entries:
        line = (
            f"{discord_timestamp(entry.logged_at, 'd')} **{escape_markdown(entry.title)}**"
            f" — {LOG_STATUS_LABELS.get(entry.status, entry.status)}"
        )
        if entry.note:
            line += f"\n> {escape_markdown(clip(entry.note, 300))}"
        if used + len(line) + 1 > DESCRIPTION_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
    hidden = len(entries) - len(lines)
    if hidden:
        lines.append(f"…and {hidden} older (all of them are in `/me export`).")
    return embed(f"{whose} reading log", "\n".join(lines))
