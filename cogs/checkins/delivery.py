"""What a DM prompt looks like (`/config checkins delivery`): its text, card and buttons, and
the line the channel's card gets when prompts also go by DM. Builders only, no Discord I/O.

The DM's buttons are built in one place, `dm_prompt_view`, so more of them (last week's plan
marks) are added there. Its **Check in** is the channel prompt's own `CheckInButton`: it
carries the round id, not a channel, so it opens the same form from a DM.
"""

from __future__ import annotations

import discord

from bot.time import discord_timestamp
from bot.ui import HammingView, clip, embed
from cogs.checkins.messages import questions_list
from cogs.checkins.store import Round
from cogs.checkins.views import CheckInButton
from cogs.checkins.weeks import week_number, week_title

DELIVERY_MODES = ("channel", "dm", "both")
MESSAGE_LIMIT = 2000  # a message's content
PLAN_HEADING = "Your plan from last week:"


def dm_prompt_view(round_id: int, user_id: int) -> HammingView:
    """The buttons under a member's DM prompt (`user_id`: whose prompt it is)."""
    view = HammingView(timeout=None)
    view.add_item(CheckInButton(round_id))
    return view


def dm_prompt_text(guild_name: str, previous_plan: str | None) -> str:
    """The DM's text: where it is from and, in full, what the member planned last week."""
    lines = [f"This week's Hamming check-in in **{guild_name}** is open."]
    if previous_plan:
        # An answer is at most 1,024 characters, so the whole plan fits; clip is a guard.
        lines += ["", PLAN_HEADING, previous_plan]
    return clip("\n".join(lines), MESSAGE_LIMIT)


def dm_prompt_embed(round_: Round) -> discord.Embed:
    """The DM's card: the week, the questions and when the round closes."""
    lines = [
        f"**{week_title(round_.week)}**",
        "",
        questions_list(round_.questions),
        "",
        f"Closes {discord_timestamp(round_.closes_at, 'F')}"
        f" ({discord_timestamp(round_.closes_at, 'R')}).",
        "Press **Check in** to answer. Away? `/checkin skip` in the server.",
    ]
    return embed(f"Weekly Hamming check-in · Week {week_number(round_.week)}", "\n".join(lines))


def dm_prompt_fallback_text(round_: Round) -> str:
    """The one mention in the round's thread for a member whose DMs are closed."""
    return (
        "your check-in prompt (your DMs are closed, so it is here): this week's check-in closes"
        f" {discord_timestamp(round_.closes_at, 'R')}. Press **Check in** to answer."
    )


def channel_delivery_note(delivery: str, prompt_time: str) -> str | None:
    """The line the channel's prompt card gets when prompts also go by DM, else None."""
    if delivery == "dm":
        return (
            f"Each member gets these questions by DM at {prompt_time} on their own clock; this"
            " card and its thread are the week's home, and **Check in** works here too."
        )
    if delivery == "both":
        return f"Each member also gets these questions by DM at {prompt_time} on their own clock."
    return None


def with_delivery_note(card: discord.Embed, note: str | None) -> discord.Embed:
    """The channel's prompt card with the delivery note as its last line."""
    if note:
        card.description = clip(f"{card.description or ''}\n{note}", 4096)
    return card
