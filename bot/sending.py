"""What the features' jobs and message builders share when they write to members: the usual
way of showing an instant, the closing lines of a schedule reply, and the permissions a
feature needs to post in its channel and open threads there."""

from __future__ import annotations

from datetime import datetime

from bot.time import discord_timestamp

# A feature that posts in its channel and opens a thread under each post (check-ins, the
# reading group) needs these, as discord.Permissions attribute names. Spelled out rather than
# built on bot.features' default so that pure logic modules can import this without discord.
THREAD_CHANNEL_PERMISSIONS: tuple[str, ...] = (
    "view_channel",
    "send_messages",
    "embed_links",
    "read_message_history",
    "create_public_threads",
    "send_messages_in_threads",
)

UTC_HINT = "The server's time zone is UTC; set yours with `/config timezone`."


def when_text(instant: datetime) -> str:
    """An instant as a reader sees it: the full local date and how far away it is."""
    return f"{discord_timestamp(instant, 'F')} ({discord_timestamp(instant, 'R')})"


def schedule_reply_text(lines: list[str], zone: str, edit_hint: str) -> str:
    """The moderator's answer to a `/config <feature> schedule`: the feature's own lines, a
    nudge to set the server's time zone while it is still UTC, then where to edit the rest."""
    if zone == "UTC":
        lines = [*lines, UTC_HINT]
    return "\n".join([*lines, edit_hint])
