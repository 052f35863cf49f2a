"""/me reminders: everything Hamming will send a member later, across every feature, in one
list, each with a Stop button that only the member can press (the list is ephemeral, and the
feature checks the presser's id against its own records)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import discord

from bot.checks import require_guild
from bot.client import HammingBot
from bot.features import FeatureCog, PendingReminder, implements
from bot.time import discord_timestamp
from bot.ui import HammingView, PersistentButton, UserError, clip, reports_errors

MAX_SHOWN = 20  # four rows of five buttons
Listed = tuple[FeatureCog, PendingReminder]


async def gather(bot: HammingBot, guild_id: int, user_id: int) -> list[Listed]:
    """Every feature's pending reminders for the member, soonest first, undated last."""
    found: list[Listed] = []
    for feature in bot.features_with("member_reminders"):
        found += [(feature, item) for item in await feature.member_reminders(guild_id, user_id)]
    latest = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda listed: listed[1].due_at or latest)


def render(listed: Sequence[Listed], note: str | None = None) -> tuple[str, HammingView | None]:
    lines = [note] if note else []
    if not listed:
        lines.append(
            "Nothing is waiting to be sent to you in this server. Check-in reminders, session"
            " reminders, grant subscriptions and `/remind me` reminders appear here."
        )
        return "\n".join(lines), None
    lines.append("Waiting to be sent to you here, soonest first:")
    view = HammingView(timeout=None)
    for number, (feature, item) in enumerate(listed[:MAX_SHOWN], start=1):
        when = (
            f"{discord_timestamp(item.due_at, 'F')} ({discord_timestamp(item.due_at, 'R')})"
            if item.due_at
            else "no set time"
        )
        lines.append(f"{number}. **{feature.title}**: {clip(item.what, 150)} — {when}")
        view.add_item(StopButton(feature.name, item.ref, f"{clip(item.stop, 20)} {number}"))
    if len(listed) > MAX_SHOWN:
        lines.append(f"…and {len(listed) - MAX_SHOWN} more: stop some to see the rest.")
    return clip("\n".join(lines), 2000), view


class StopButton(
    PersistentButton,
    template=r"me-stop:(?P<feature>[a-z_]{1,30}):(?P<ref>[A-Za-z0-9._-]{1,60})",
):
    def __init__(self, feature: str, ref: str | int, label: str = "Stop") -> None:
        super().__init__(f"me-stop:{feature}:{ref}", label)
        self.feature = feature
        self.ref = str(ref)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        guild = require_guild(interaction)
        bot = interaction.client
        feature = bot.features.get(self.feature)
        if feature is None or not implements(feature, "stop_member_reminder"):
            raise UserError("That feature is not running here now; run `/me reminders` again.")
        # The feature stops only the presser's own reminder; anyone else's ref is refused.
        stopped = await feature.stop_member_reminder(guild.id, interaction.user.id, self.ref)
        listed = await gather(bot, guild.id, interaction.user.id)
        content, view = render(listed, note=f"Stopped: {clip(stopped, 300)}")
        await interaction.response.edit_message(content=content, view=view)
